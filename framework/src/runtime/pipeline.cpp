#include "sluice/pipeline.hpp"

#include "runtime/runtime.hpp"

namespace sluice {
inline namespace v1 {

std::string_view to_string(RunStatus s) noexcept {
  switch (s) {
    case RunStatus::ok:
      return "ok";
    case RunStatus::failed:
      return "failed";
    case RunStatus::interrupted:
      return "interrupted";
  }
  return "ok";
}

class Pipeline::Impl : public detail::Runtime {
 public:
  using detail::Runtime::Runtime;
};

Pipeline::Pipeline(Graph graph, RunOptions options)
    : impl_(std::make_unique<Impl>(std::move(graph), std::move(options))) {}

Pipeline::~Pipeline() = default;

void Pipeline::start() { impl_->start(); }
void Pipeline::stop() { impl_->stop(true); }
void Pipeline::cancel() { impl_->cancel(); }
RunResult Pipeline::wait() { return impl_->wait(); }
Stats Pipeline::stats() const { return impl_->stats(); }
void Pipeline::fire_due_timers() { impl_->fire_due_timers(); }
std::size_t Pipeline::pending_timers() const { return impl_->pending_timers(); }
bool Pipeline::idle() const { return impl_->idle(); }

}  // namespace v1
}  // namespace sluice
