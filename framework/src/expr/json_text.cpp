#include "expr/json_text.hpp"

#include <string_view>

#include "expr/utf8.hpp"

namespace sluice::expr::detail {

void append_json_text(const Value& v, std::string& out) {
  if (v.kind == Kind::list) {
    out.push_back('[');
    for (std::size_t k = 0; k < v.list.size(); ++k) {
      if (k > 0) out.push_back(',');
      append_json_text(v.list[k], out);
    }
    out.push_back(']');
    return;
  }
  if (v.kind != Kind::string) {
    append_json(v, out);
    return;
  }
  // append_json escapes quotes, backslashes and control characters; bytes of broken UTF-8
  // are replaced first, as a JSON reader would reject them.
  const std::string_view s = v.s;
  std::size_t at = 0;
  while (at < s.size() && utf8::decode(s, at).valid) at += utf8::decode(s, at).len;
  if (at == s.size()) {
    append_json(v, out);
    return;
  }
  std::string clean(s.substr(0, at));
  while (at < s.size()) {
    const utf8::Char c = utf8::decode(s, at);
    if (c.valid) {
      clean.append(s.substr(at, c.len));
    } else {
      utf8::append(clean, U'\uFFFD');
    }
    at += c.len;
  }
  append_json(Value::string(clean), out);
}

}  // namespace sluice::expr::detail
