#include "runtime/call_state.hpp"

#include <stdexcept>

#include "sluice/async.hpp"

namespace sluice {
namespace {
constexpr const char* kDroppedCall = "the call was dropped without a result";
}  // namespace

inline namespace v1 {

Call& Call::operator=(Call&& other) noexcept {
  if (this != &other) {
    if (s_ && s_->open()) s_->complete(detail::CallState::Result::failed, kDroppedCall, true);
    s_ = std::move(other.s_);
  }
  return *this;
}

Call::~Call() {
  if (s_ && s_->open()) s_->complete(detail::CallState::Result::failed, kDroppedCall, true);
}

void Call::emit(std::size_t port, Message&& m) {
  if (s_) s_->emit(port, std::move(m));
}
void Call::done() {
  if (s_) s_->complete(detail::CallState::Result::ok);
}
void Call::fail(std::string what, bool transient, Nanos retry_after) {
  if (s_) s_->complete(detail::CallState::Result::failed, std::move(what), transient, retry_after);
}
bool Call::cancelled() const noexcept { return s_ && s_->cancelled(); }
void Call::on_cancel(std::function<void()> abort) {
  if (s_) s_->on_cancel(std::move(abort));
}
Nanos Call::deadline() const noexcept { return s_ ? s_->deadline() : Context::kNoDeadline; }
std::int64_t Call::attempt() const noexcept { return s_ ? s_->attempt() : 1; }
bool Call::open() const noexcept { return s_ && s_->open(); }

void AsyncStage::process(Message&&, Emitter&, Context&) {
  throw std::logic_error("an async stage is started, never processed");
}
void AsyncSink::consume(std::span<Message>, Context&) {
  throw std::logic_error("an async sink is started, never consumed");
}

}  // namespace v1

namespace detail {

void AsyncInbox::post(std::shared_ptr<CallState> call) {
  std::lock_guard lock(mu_);
  if (target_ == nullptr) return;  // the instance has ended; the result goes nowhere
  done_.push_back(std::move(call));
  pending_.store(true, std::memory_order_release);
  target_->notify();
}

void AsyncInbox::wake() {
  std::lock_guard lock(mu_);
  if (target_ == nullptr) return;
  woken_ = true;
  pending_.store(true, std::memory_order_release);
  target_->notify();
}

bool AsyncInbox::take(std::vector<std::shared_ptr<CallState>>& out) {
  if (!pending_.load(std::memory_order_acquire)) return false;
  std::lock_guard lock(mu_);
  pending_.store(false, std::memory_order_relaxed);
  if (out.empty()) {
    out.swap(done_);
  } else {
    for (auto& c : done_) out.push_back(std::move(c));
    done_.clear();
  }
  const bool woken = woken_;
  woken_ = false;
  return woken;
}

void AsyncInbox::detach() {
  std::lock_guard lock(mu_);
  target_ = nullptr;
  done_.clear();
}

void CallState::emit(std::size_t port, Message&& m) {
  std::lock_guard lock(mu_);
  if (result_ == Result::open) outputs_.emplace_back(port, std::move(m));
}

void CallState::complete(Result result, std::string error, bool transient, Nanos retry_after) {
  {
    std::lock_guard lock(mu_);
    if (result_ != Result::open) return;
    result_ = result;
    error_ = std::move(error);
    transient_ = transient;
    retry_after_ = retry_after;
    abort_ = nullptr;  // no abort after the result is in
  }
  inbox_->post(shared_from_this());
}

void CallState::fail_at_start(std::string error, bool transient) {
  bool post = false;
  {
    std::lock_guard lock(mu_);
    if (result_ == Result::ok) return;  // done() before the throw: the result stands
    post = result_ == Result::open;
    result_ = Result::failed;
    error_ = std::move(error);
    transient_ = transient;
    retry_after_ = 0;
    outputs_.clear();
    abort_ = nullptr;
  }
  if (post) inbox_->post(shared_from_this());
}

bool CallState::cancelled() const noexcept {
  std::lock_guard lock(mu_);
  return cancelled_;
}

void CallState::on_cancel(std::function<void()> abort) {
  {
    std::lock_guard lock(mu_);
    if (result_ != Result::open) return;
    if (!cancelled_) {
      abort_ = std::move(abort);
      return;
    }
  }
  if (abort) abort();
}

bool CallState::open() const noexcept {
  std::lock_guard lock(mu_);
  return result_ == Result::open;
}

void CallState::cancel() {
  std::function<void()> abort;
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    abort.swap(abort_);
  }
  if (abort) abort();  // outside the lock: it may complete the call
}

}  // namespace detail
}  // namespace sluice
