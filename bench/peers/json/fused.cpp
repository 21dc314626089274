// The JSON pipeline, the single-thread limit: one loop that builds each
// document with fmt, reads its fields back with simdjson On-Demand (what the
// expressions of `filter` and `count` use), filters and counts by user in a
// hash map. PARAM is unused (pass 0); THREADS must be 1.
#include <fmt/format.h>
#include <simdjson.h>

#include <functional>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_map>

#include "json/json_shape.hpp"
#include "peer_common.hpp"

namespace {

/// Lets the map be searched with a string_view (no string per lookup).
struct Hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

[[noreturn]] void fail(simdjson::error_code e) {
  std::fprintf(stderr, "simdjson: %s\n", simdjson::error_message(e));
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sluice::peers;
  const Args a = parse_args(argc, argv);
  if (a.threads != 1) {
    std::fprintf(stderr, "the fused loop runs on 1 thread\n");
    return 2;
  }
  std::unordered_map<std::string, std::uint64_t, Hash, std::equal_to<>> counts;
  simdjson::ondemand::parser parser;
  std::string doc_text;
  doc_text.reserve(1024);  // the padding simdjson reads past the end fits in it
  Measure m;
  for (std::uint64_t seq = 1; seq <= a.messages; ++seq) {
    doc_text.clear();
    fmt::format_to(std::back_inserter(doc_text),
                   R"({{"user": "u{}", "level": "{}", "amount": {}, )"
                   R"("meta": {{"seq": {}, "region": "r{}"}}}})",
                   json::user_of(seq), json::level_of(seq), json::amount_of(seq), seq,
                   json::region_of(seq));
    simdjson::ondemand::document doc;
    if (auto e = parser
                     .iterate(simdjson::padded_string_view(doc_text.data(), doc_text.size(),
                                                           doc_text.capacity()))
                     .get(doc)) {
      fail(e);
    }
    std::string_view level;
    std::int64_t amount = 0;
    if (auto e = doc["level"].get_string().get(level)) fail(e);
    if (level != "error") {
      if (auto e = doc["amount"].get_int64().get(amount)) fail(e);
    }
    if (!json::keep(level, amount)) continue;
    std::string_view user;
    if (auto e = doc["user"].get_string().get(user)) fail(e);
    auto it = counts.find(user);
    if (it == counts.end()) it = counts.emplace(std::string(user), 0).first;
    ++it->second;
  }
  m.stop();
  m.report(a.messages, json::checksum(counts));
}
