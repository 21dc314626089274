// Chain fusion: an instance that runs its fusable stage and the fusable
// stages fused after it (Runtime::fuse_chains) one after another on each
// message. Every step passes the message on in place in the one input batch,
// so a message is touched once per batch instead of once per stage, with no
// queue and no task between the steps. Each step keeps its own counters.
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "expr/runtime_errors.hpp"
#include "runtime/ack_abandon_scope.hpp"
#include "runtime/caught.hpp"
#include "runtime/fused_stage.hpp"
#include "runtime/instance.hpp"
#include "runtime/instance_host.hpp"

namespace sluice::detail {

InstanceCounters& Instance::out_counters() noexcept {
  return fused_.empty() ? counters_ : fused_.back()->counters();
}

bool Instance::open_fused() {
  steps_.push_back({stage_.get(), &head_emitter_, this, &counters_, &head_stray_});
  for (auto& f : fused_) {
    try {
      f->stage = f->node().node->make_stage();
      f->stage->open(*f);
    } catch (...) {
      rt_.report_error(f->stage_name(), std::nullopt, caught().what);
      return false;
    }
    steps_.push_back({f->stage.get(), &f->emitter(), f.get(), &f->counters(), &f->stray()});
  }
  steps_.back().emitter = &emitter_;  // the last step emits to the real outputs
  steps_.back().stray = nullptr;
  return true;
}

bool Instance::run_steps(std::size_t first, std::vector<Message>& batch) {
  const std::span<FusedStep> steps = std::span(steps_).subspan(first);
  const std::size_t n = batch.size();
  for (FusedStep& s : steps) s.emitter->begin_batch(batch);
  FusedStep* failed = nullptr;
  std::string what;
  MessageId failed_id;
  std::size_t i = 0;
  expr::ErrorScope expression_errors(*this);
  for (; i < n && !stop_requested_; ++i) {
    Message* m = &batch[i];
    const AckRef ack = m->ack;  // a step may consume it: its source must hear of a failure
    const MessageId id{m->seq, m->trace_id};
    FusedStep* step = steps.data();
    try {
      for (FusedStep* const end = step + steps.size(); step != end; ++step) {
        // Each step passes the message on to the front of the batch; the
        // next step reads it there. Slots only ever move towards the front.
        Message* const slot = step->emitter->passed_end();
        step->emitter->set_current(m);
        expression_errors.retarget(*step->ctx);
        step->stage->process(std::move(*m), *step->emitter, *step->ctx);
        if (step->stray && !step->stray->empty()) {
          throw FusedStage::misuse("emitted a message other than the one it was given");
        }
        if (step->emitter->passed_end() == slot) break;  // filtered
        m = slot;
      }
    } catch (...) {
      failed = step;
      what = caught().what;
      failed_id = id;
      ack.fail(AckOutcome::abandoned);
      break;
    }
  }
  // What passed each step is the next step's input.
  const Message* const base = batch.data();
  for (std::size_t j = 0; j + 1 < steps.size(); ++j) {
    const auto passed = static_cast<std::uint64_t>(steps[j].emitter->passed_end() - base);
    bump(steps[j].counters->out, passed);
    bump(steps[j + 1].counters->in, passed);
    steps[j].emitter->forget_batch();
  }
  if (failed == nullptr) {
    if (i < n) bump(steps.front().counters->filtered, n - i);  // the stage stopped early
    emitter_.end_batch();
    return true;
  }
  bump(failed->counters->errors, 1);
  bump(failed->counters->abandoned, n - i);  // this message and the rest of the batch
  release_processed(batch, i);
  const AckAbandonScope lost_here;  // the rest of the batch is released here
  for (FusedStep& s : steps_) {
    if (s.stray) s.stray->clear();
  }
  emitter_.end_batch();  // what passed every step stays pending; the cancel counts it
  rt_.report_error(failed->ctx->stage_name(), failed_id, std::move(what));
  return false;
}

bool Instance::close_fused() {
  for (std::size_t j = 0; j < steps_.size(); ++j) {
    FusedStep& s = steps_[j];
    try {
      s.stage->close(*s.emitter, *s.ctx);
    } catch (...) {
      if (s.stray) {
        const AckAbandonScope lost_here;
        bump(s.counters->abandoned, s.stray->size());
        s.stray->clear();
      }
      rt_.report_error(s.ctx->stage_name(), std::nullopt, caught().what);
      return false;
    }
    if (s.stray == nullptr || s.stray->empty()) continue;
    // What a step emits on close (a count's totals) goes on through the rest
    // of the chain, as it would through the queue to the next stage.
    std::vector<Message> closing = std::move(*s.stray);
    s.stray->clear();
    bump(s.counters->out, closing.size());
    bump(steps_[j + 1].counters->in, closing.size());
    if (!run_steps(j + 1, closing)) return false;
  }
  return true;
}

}  // namespace sluice::detail
