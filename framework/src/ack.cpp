// The out-of-line half of ack.hpp: the abandon scope's thread-local flag
// lives here, in the host, so that plugins see the same one.
#include "sluice/ack.hpp"

#include <cassert>
#include <vector>

namespace sluice {
inline namespace v1 {
namespace {

thread_local int tl_abandon_depth = 0;

/// The reference counting all handles share; the abandon scope is read here.
class CountedState : public AckState {
 public:
  void release() noexcept final {
    if (tl_abandon_depth > 0) mark(AckOutcome::abandoned);
    if (drop_ref()) {
      settle(outcome(), error());
      delete this;
    }
  }

 protected:
  /// The last reference went: report `outcome`. `delete this` follows.
  virtual void settle(AckOutcome outcome, std::string_view error) noexcept = 0;
};

/// A source's handle: tells its receiver.
class ReceiverState final : public CountedState {
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
class JoinedState final : public CountedState {
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

AckAbandonScope::AckAbandonScope() noexcept { ++tl_abandon_depth; }
AckAbandonScope::~AckAbandonScope() {
  assert(tl_abandon_depth > 0);
  --tl_abandon_depth;
}

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
