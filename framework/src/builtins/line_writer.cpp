#include "builtins/line_writer.hpp"

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace sluice::builtins {

LineFormat parse_line_format(std::string_view name) {
  if (name == "json") return LineFormat::json;
  if (name == "payload") return LineFormat::payload;
  throw std::invalid_argument("format must be 'payload' or 'json', not '" + std::string(name) +
                              "'");
}

namespace {

void append_json(const Message& m, std::string& out) {
  nlohmann::ordered_json j;
  j["payload"] = m.payload;
  j["key"] = m.key;
  j["priority"] = m.priority;
  j["seq"] = m.seq;
  j["trace_id"] = m.trace_id;
  auto& attrs = j["attrs"] = nlohmann::ordered_json::object();
  for (const auto& [k, v] : m.attrs) attrs[k] = v;
  // Replace bad UTF-8 rather than failing the pipeline on a binary payload.
  out += j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

void write_lines(std::FILE* f, std::span<Message> batch, LineFormat format, std::string& scratch,
                 std::string_view what) {
  scratch.clear();
  for (const Message& m : batch) {
    if (format == LineFormat::json) {
      append_json(m, scratch);
    } else {
      scratch += m.payload;
    }
    scratch += '\n';
  }
  if (std::fwrite(scratch.data(), 1, scratch.size(), f) != scratch.size() || std::fflush(f) != 0) {
    throw std::runtime_error("write to " + std::string(what) + " failed: " + std::strerror(errno));
  }
}

}  // namespace sluice::builtins
