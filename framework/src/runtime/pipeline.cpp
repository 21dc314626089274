// Pipeline: the public face of a running pipeline, a thin handle on the
// Runtime (runtime.hpp) that does the work. Nothing in the runtime depends
// on this file.
#include "sluice/pipeline.hpp"

#include "runtime/runtime.hpp"

namespace sluice {
inline namespace v1 {

class Pipeline::Impl : public detail::Runtime {
 public:
  using detail::Runtime::Runtime;
};

Pipeline::Pipeline(Graph graph, RunOptions options)
    : impl_(std::make_unique<Impl>(std::move(graph), std::move(options))) {}

Pipeline::~Pipeline() {
  if (impl_) impl_->end_before_destruction();
}

void Pipeline::start() { impl_->start(); }
void Pipeline::stop() { impl_->stop(true); }
void Pipeline::cancel() { impl_->cancel(); }
RunResult Pipeline::wait() { return impl_->wait(); }
Stats Pipeline::stats() const { return impl_->stats(); }
std::string Pipeline::tap(std::string_view from, TapSink* sink) { return impl_->tap(from, sink); }
void Pipeline::untap(TapSink* sink) { impl_->untap(sink); }
void Pipeline::fire_due_timers() { impl_->fire_due_timers(); }
std::size_t Pipeline::pending_timers() const { return impl_->pending_timers(); }
bool Pipeline::idle() const { return impl_->idle(); }

}  // namespace v1
}  // namespace sluice
