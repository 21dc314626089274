// GET /control/tap of `sluice run --control`: streams copies of what leaves
// one output (Pipeline::tap, through a TapQueue) as lines, until the limit,
// the client going away or the end of the run.
#include <httplib.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <string>

#include "metrics_server.hpp"

namespace sluice::cli {
namespace {

/// Rate-limited copies come out at least this often; a closed connection is
/// found at the next write.
constexpr std::chrono::milliseconds kPoll{200};

void refuse(httplib::Response& res, int status, const std::string& why) {
  res.status = status;
  res.set_content(why + "\n", "text/plain");
}

}  // namespace

void MetricsServer::tap(const httplib::Request& req, httplib::Response& res) {
  const std::string from = req.get_param_value("from");
  const std::string format = req.has_param("format") ? req.get_param_value("format") : "payload";
  double rate = 100;
  std::uint64_t limit = 0;
  if (req.has_param("rate")) {
    const std::string text = req.get_param_value("rate");
    char* end = nullptr;
    rate = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(rate >= 0) || rate > 1e9) {
      return refuse(res, 400,
                    "rate must be a number of messages a second (0: all), not '" + text + "'");
    }
  }
  if (req.has_param("limit")) {
    const std::string text = req.get_param_value("limit");
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
      return refuse(res, 400, "limit must be a whole number (0: none), not '" + text + "'");
    }
  }
  if (from.empty()) return refuse(res, 400, "from= names the output to tap: STAGE or STAGE.PORT");
  if (format != "payload" && format != "json") {
    return refuse(res, 400, "format must be 'payload' or 'json', not '" + format + "'");
  }
  auto queue = std::make_shared<TapQueue>(rate, limit);
  {
    const std::lock_guard lock(mu_);
    if (pipeline_ == nullptr) {
      return refuse(res, 503, "the pipeline is not running (not started yet, or ended)");
    }
    if (std::string why = pipeline_->tap(from, queue.get()); !why.empty()) {
      return refuse(res, 404, why);
    }
    taps_.push_back(queue);
  }
  const bool json = format == "json";
  res.set_chunked_content_provider(
      json ? "application/x-ndjson" : "text/plain",
      [queue, json](std::size_t, httplib::DataSink& sink) {
        std::string lines;
        for (const Message& m : queue->take(kPoll)) lines += tap_line(m, json);
        if (!lines.empty() && !sink.write(lines.data(), lines.size())) return false;
        if (queue->finished()) sink.done();
        return true;
      },
      [this, queue](bool) { end_tap(queue); });
}

void MetricsServer::end_tap(const std::shared_ptr<TapQueue>& queue) {
  const std::lock_guard lock(mu_);
  if (pipeline_ != nullptr) pipeline_->untap(queue.get());
  std::erase(taps_, queue);
}

}  // namespace sluice::cli
