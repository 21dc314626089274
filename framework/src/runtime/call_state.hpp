// The runtime's side of async calls (sluice/async.hpp). A CallState is what a
// Call handle shares with its instance: the messages the call emitted and its
// result, written from whichever thread completes it. A completed call posts
// itself to its instance's AsyncInbox, which wakes the instance; the inbox
// outlives the instance (a late completion after the run is dropped there).
// The inbox also carries Context::waker's wake-ups.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "runtime/waker.hpp"
#include "sluice/clock.hpp"
#include "sluice/message.hpp"

namespace sluice::detail {

class CallState;

class AsyncInbox {
 public:
  explicit AsyncInbox(Waker* target) noexcept : target_(target) {}

  /// A call completed: queued for its instance, which is woken.
  void post(std::shared_ptr<CallState> call);
  /// Context::waker: the instance runs produce() / on_timer() soon.
  void wake();
  /// The calls completed since the last take (appended to `out`), and
  /// whether a wake-up came meanwhile.
  bool take(std::vector<std::shared_ptr<CallState>>& out);
  /// The instance is ending: nothing is woken any more, late posts are dropped.
  void detach();

 private:
  std::mutex mu_;
  std::atomic<bool> pending_{false};  ///< something to take: a turn looks without the lock
  Waker* target_;
  std::vector<std::shared_ptr<CallState>> done_;
  bool woken_{false};
};

class CallState : public std::enable_shared_from_this<CallState> {
 public:
  enum class Result { open, ok, failed };

  CallState(std::shared_ptr<AsyncInbox> inbox, std::int64_t attempt, Nanos deadline) noexcept
      : inbox_(std::move(inbox)), attempt_(attempt), deadline_(deadline) {}

  // The plugin's side (Call), from any thread.
  void emit(std::size_t port, Message&& m);
  /// The first completion counts; later ones are ignored.
  void complete(Result result, std::string error = {}, bool transient = false,
                Nanos retry_after = 0);
  [[nodiscard]] bool cancelled() const noexcept;
  void on_cancel(std::function<void()> abort);
  [[nodiscard]] bool open() const noexcept;
  [[nodiscard]] std::int64_t attempt() const noexcept { return attempt_; }
  [[nodiscard]] Nanos deadline() const noexcept { return deadline_; }

  // The instance's side, once the call was posted (or to give up on it).
  /// start() threw: the call failed so, whatever its dropped handle said.
  void fail_at_start(std::string error, bool transient);
  /// The result is no longer wanted: runs the abort hook of an open call.
  void cancel();
  [[nodiscard]] Result result() const noexcept { return result_; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] bool transient() const noexcept { return transient_; }
  [[nodiscard]] Nanos retry_after() const noexcept { return retry_after_; }
  /// What the call emitted, by port, in order.
  std::vector<std::pair<std::size_t, Message>> take_outputs() { return std::move(outputs_); }

 private:
  std::shared_ptr<AsyncInbox> inbox_;
  const std::int64_t attempt_;
  const Nanos deadline_;
  mutable std::mutex mu_;
  Result result_{Result::open};
  bool cancelled_{false};
  std::string error_;
  bool transient_{false};
  Nanos retry_after_{0};
  std::vector<std::pair<std::size_t, Message>> outputs_;
  std::function<void()> abort_;
};

}  // namespace sluice::detail
