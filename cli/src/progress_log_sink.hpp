// A spdlog sink that writes through another one while a progress table is
// live on the same terminal: each log line erases the table first, so lines
// scroll above it instead of being drawn over.
//
//   auto sink = std::make_shared<ProgressLogSink>(stderr_sink, display);
#pragma once

#include <spdlog/sinks/sink.h>

#include <memory>
#include <string>
#include <utility>

#include "progress_display.hpp"

namespace sluice::cli {

class ProgressLogSink final : public spdlog::sinks::sink {
 public:
  ProgressLogSink(spdlog::sink_ptr inner, std::shared_ptr<ProgressDisplay> display)
      : inner_(std::move(inner)), display_(std::move(display)) {}

  void log(const spdlog::details::log_msg& msg) override {
    display_->print_above([&] {
      inner_->log(msg);
      inner_->flush();
    });
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

 private:
  spdlog::sink_ptr inner_;
  std::shared_ptr<ProgressDisplay> display_;
};

}  // namespace sluice::cli
