// Where an instance runs: Runtime::dispatch sends it to the I/O pool (a
// blocking stage), to this thread's LIFO slot (the first instance a task
// wakes) or to the arena's queue; dispatch_anywhere skips the slot while a
// thread is idle (a wake for room, for a share, for a pool's push), so that
// thread takes it at once;
// run_task runs a task and what its slot gathers. Instance::run decides when
// a task lets its slot's instance in.
#include <utility>

#include "runtime/instance.hpp"
#include "runtime/runtime.hpp"

// ThreadSanitizer cannot see the synchronisation inside Debian's oneTBB,
// which is not instrumented: an instance handed to the arena by one thread
// and run by a worker would look unordered with everything the first thread
// did before (even building it), so TSan would report our whole runtime, and
// suppressing that would hide our real races too (cmake/tsan.supp). The
// hand-off is a release / acquire on the instance's address, made explicit
// here for TSan; in other builds they compile to nothing.
#if defined(__SANITIZE_THREAD__)
#define SLUICE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SLUICE_TSAN 1
#endif
#endif
#ifdef SLUICE_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace sluice::detail {
namespace {

/// Before an instance leaves this thread for the arena: what this thread did
/// happens-before the instance runs (oneTBB's queue orders it; TSan must be told).
inline void handing_off(Instance* instance) noexcept {
#ifdef SLUICE_TSAN
  __tsan_release(instance);
#else
  (void)instance;
#endif
}

/// A worker about to run an instance it got from the arena.
inline void taking_over(Instance* instance) noexcept {
#ifdef SLUICE_TSAN
  __tsan_acquire(instance);
#else
  (void)instance;
#endif
}

/// The LIFO slot of the arena worker running a task (Tokio's idea): the
/// first instance that task wakes runs next on the same thread, while its
/// batch is still in this core's cache; further wakes go to the arena.
struct LifoSlot {
  const Runtime* runtime{nullptr};  ///< set while a task of this runtime runs
  Instance* next{nullptr};
  int budget{0};  ///< instances this task may still run through the slot
};
thread_local LifoSlot tl_slot;

/// Instances one task may run through its LIFO slot before it hands the rest
/// to the arena, so a busy chain cannot keep other stages waiting.
constexpr int kLifoBudget = 16;

}  // namespace

void Runtime::dispatch(Instance* instance, bool yielding) {
  tasks_.fetch_add(1, std::memory_order_relaxed);
  if (instance->blocking() && io_) {
    // The pool's mutex orders it. A yielding instance frees its thread for itself.
    io_->submit([instance] { instance->run(); }, yielding);
    return;
  }
  if (tl_slot.runtime == this && tl_slot.next == nullptr && tl_slot.budget > 0) {
    tl_slot.next = instance;  // runs on this thread, after the current instance
    return;
  }
  to_arena(instance);
}

void Runtime::dispatch_anywhere(Instance* instance) {
  // Fewer tasks than threads: one of them has nothing to do and should take
  // it now. Every thread busy: the LIFO slot is still the quickest way in,
  // as the waker's turn then ends early for it (Instance::run). (The count
  // includes blocking stages' tasks, on the I/O pool: the slot then.)
  if (tasks_.load(std::memory_order_relaxed) >= options_.threads || (instance->blocking() && io_)) {
    dispatch(instance);
    return;
  }
  tasks_.fetch_add(1, std::memory_order_relaxed);
  to_arena(instance);
}

void Runtime::to_arena(Instance* instance) {
  handing_off(instance);
  arena_->enqueue([this, instance] { run_task(instance); });
}

bool Runtime::slot_waiting() const noexcept {
  return tl_slot.runtime == this && tl_slot.next != nullptr;
}

// Once the last instance of the task has run (and called task_done()), the
// task touches only its thread's slot: wait() may return and the runtime go
// away as soon as every instance is done. (Past the budget, dispatch() sends
// a wake to the arena from inside the waking instance's run, not from here.)
void Runtime::run_task(Instance* first) {
  taking_over(first);
  const LifoSlot outer = tl_slot;
  tl_slot = {.runtime = this, .next = nullptr, .budget = kLifoBudget};
  first->run();
  while (Instance* next = std::exchange(tl_slot.next, nullptr)) {
    --tl_slot.budget;
    next->run();
  }
  tl_slot = outer;
}

}  // namespace sluice::detail
