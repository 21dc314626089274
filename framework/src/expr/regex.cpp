#include "expr/regex.hpp"

#include <re2/re2.h>

#include "expr/runtime_errors.hpp"
#include "expr/value.hpp"

namespace sluice::expr::detail {

std::shared_ptr<const re2::RE2> compile_regex(std::string_view pattern, std::string& error) {
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>(std::string(pattern), opts);
  if (re->ok()) return re;
  error = re->error();
  return nullptr;
}

void report_bad_regex(std::atomic<bool>& logged, std::string_view pattern, const std::string& error,
                      std::uint64_t seq, std::string_view consequence) {
  constexpr std::size_t kShown = 200;  // of a pattern that may be a whole payload
  std::string what = "the regex ";
  append_json(Value::string(pattern.substr(0, kShown)), what);
  if (pattern.size() > kShown) what += " (" + std::to_string(pattern.size()) + " bytes)";
  // RE2's error quotes the pattern's bad part, which may be as long and hold control bytes
  // (an escape sequence must not reach a terminal).
  std::string why;
  for (const char c : std::string_view(error).substr(0, kShown)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      why += {'\\', 'x', kHex[u >> 4], kHex[u & 0xF]};
    } else {
      why.push_back(c);
    }
  }
  if (error.size() > kShown) why += "...";
  what += " of message " + std::to_string(seq) + " does not compile (" + why + "): ";
  what += consequence;
  report_error(logged, what);
}

}  // namespace sluice::expr::detail
