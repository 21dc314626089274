#include "error_lines.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "sluice/dsl/printable.hpp"

namespace sluice::cli {
namespace {

bool json_lines = false;

/// Logs `fields` (a JSON object) as the body of one line of the JSON log.
void log_json(spdlog::level::level_enum level, const nlohmann::json& fields) {
  const std::string text = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  spdlog::default_logger()->log(level, "{}", text.substr(1, text.size() - 2));
}

}  // namespace

void use_json_error_lines(bool on) { json_lines = on; }

void print_error(std::string_view message, std::string_view hint) {
  if (json_lines) {
    nlohmann::json fields = {{"message", std::string(message)}};
    if (!hint.empty()) fields["hint"] = std::string(hint);
    log_json(spdlog::level::err, fields);
    return;
  }
  std::fprintf(stderr, "sluice: error: %s\n", dsl::printable(message).c_str());
  if (!hint.empty()) std::fprintf(stderr, "  hint: %s\n", dsl::printable(hint).c_str());
}

void print_diagnostic(const dsl::Diagnostic& d) {
  if (!json_lines) {
    std::fputs(dsl::format(d).c_str(), stderr);
    return;
  }
  nlohmann::json fields = {{"file", d.span.file},
                           {"line", d.span.line},
                           {"column", d.span.column},
                           {"code", d.code},
                           {"message", d.message}};
  if (!d.hint.empty()) fields["hint"] = d.hint;
  log_json(d.severity == dsl::Severity::error ? spdlog::level::err : spdlog::level::warn, fields);
}

void print_diagnostic_summary(std::size_t errors, std::size_t warnings) {
  std::string text = std::to_string(errors) + (errors == 1 ? " error" : " errors");
  if (warnings > 0) {
    text += ", " + std::to_string(warnings) + (warnings == 1 ? " warning" : " warnings");
  }
  if (json_lines) {
    log_json(spdlog::level::err, {{"message", text}, {"errors", errors}, {"warnings", warnings}});
    return;
  }
  std::fprintf(stderr, "%s\n", text.c_str());
}

}  // namespace sluice::cli
