// The framework's half of ack.hpp: the state every copy of a handle shares
// and the abandon scope's thread-local flag. Both live here, in the host, so
// that a reference a plugin releases runs this code and sees the same flag.
#include "sluice/ack.hpp"

#include <atomic>
#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/ack_abandon_scope.hpp"

namespace sluice {
inline namespace v1 {
namespace {

thread_local int tl_abandon_depth = 0;

/// The reference counting all handles share; the abandon scope is read here.
class AckState : public detail::AckShared {
 public:
  void retain() noexcept final { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept final {
    if (tl_abandon_depth > 0) mark(AckOutcome::abandoned, {});
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      settle(outcome(), error());
      delete this;
    }
  }
  void mark(AckOutcome outcome, std::string_view error) noexcept final {
    auto want = static_cast<std::uint8_t>(outcome);
    std::uint8_t have = outcome_.load(std::memory_order_relaxed);
    while (have < want && !outcome_.compare_exchange_weak(have, want, std::memory_order_relaxed)) {
    }
    note_error(error);
  }
  [[nodiscard]] AckOutcome outcome() const noexcept final {
    return static_cast<AckOutcome>(outcome_.load(std::memory_order_acquire));
  }
  [[nodiscard]] std::uint32_t refs() const noexcept {
    return refs_.load(std::memory_order_acquire);
  }

 protected:
  ~AckState() override { delete error_.load(std::memory_order_acquire); }
  /// The last reference went: report `outcome`. `delete this` follows.
  virtual void settle(AckOutcome outcome, std::string_view error) noexcept = 0;

 private:
  [[nodiscard]] std::string_view error() const noexcept {
    const std::string* e = error_.load(std::memory_order_acquire);
    return e != nullptr ? std::string_view(*e) : std::string_view();
  }
  void note_error(std::string_view error) noexcept {
    if (error.empty() || error_.load(std::memory_order_acquire) != nullptr) return;
    std::string* mine = nullptr;
    try {
      mine = new std::string(error);
    } catch (...) {
      return;  // out of memory: the outcome still goes through, without its text
    }
    const std::string* none = nullptr;
    if (!error_.compare_exchange_strong(none, mine, std::memory_order_acq_rel)) delete mine;
  }

  std::atomic<std::uint32_t> refs_{1};
  std::atomic<std::uint8_t> outcome_{0};
  std::atomic<const std::string*> error_{nullptr};  ///< set once, on failures only
};

/// A source's handle: tells its receiver.
class ReceiverState final : public AckState {
 public:
  ReceiverState(std::shared_ptr<AckReceiver> receiver, std::uint64_t token) noexcept
      : receiver_(std::move(receiver)), token_(token) {}

 private:
  void settle(AckOutcome outcome, std::string_view error) noexcept override {
    receiver_->settle(token_, outcome, error);
  }

  std::shared_ptr<AckReceiver> receiver_;
  std::uint64_t token_;
};

/// A merged message's handle: passes its outcome on to the handles it joined.
class JoinedState final : public AckState {
 public:
  JoinedState() = default;
  void add(AckRef ref) { parts_.push_back(std::move(ref)); }

 private:
  void settle(AckOutcome outcome, std::string_view error) noexcept override {
    for (const AckRef& p : parts_) p.fail(outcome, error);  // ok marks nothing
    // parts_ are released when this state is deleted, right after.
  }

  std::vector<AckRef> parts_;
};

}  // namespace

std::string_view to_string(AckOutcome outcome) noexcept {
  switch (outcome) {
    case AckOutcome::ok:
      return "ok";
    case AckOutcome::abandoned:
      return "abandoned";
    case AckOutcome::failed:
      return "failed";
    case AckOutcome::rejected:
      return "rejected";
  }
  return "ok";
}

AckReceiver::~AckReceiver() = default;

}  // namespace v1

namespace detail {

AckAbandonScope::AckAbandonScope() noexcept { ++tl_abandon_depth; }
AckAbandonScope::~AckAbandonScope() {
  assert(tl_abandon_depth > 0);
  --tl_abandon_depth;
}

}  // namespace detail

inline namespace v1 {

AckRef AckRef::make(std::shared_ptr<AckReceiver> receiver, std::uint64_t token) {
  assert(receiver);
  return AckRef(new ReceiverState(std::move(receiver), token));
}

AckRef AckRef::join(AckRef a, AckRef b) {
  if (!b || a == b) return a;
  if (!a) return b;
  // Grow a join this handle alone holds instead of nesting one per message.
  if (auto* joined = dynamic_cast<JoinedState*>(a.s_); joined && joined->refs() == 1) {
    joined->add(std::move(b));
    return a;
  }
  auto* j = new JoinedState();
  j->add(std::move(a));
  j->add(std::move(b));
  return AckRef(j);
}

}  // namespace v1
}  // namespace sluice
