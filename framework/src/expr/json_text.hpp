// json(x): a value as JSON text, for templates that write JSON (`{{"msg": {json(payload)}}}`):
// strings quoted and escaped, with any byte that is not well-formed UTF-8 replaced by
// U+FFFD so that the result is always valid JSON; numbers and booleans as themselves; NaN,
// infinities and null as `null`; lists as arrays; an object or array of the payload as
// written there.
//
//   std::string out;
//   detail::append_json_text(Value::string("a\"b"), out);  // "\"a\\\"b\""
#pragma once

#include <string>

#include "expr/value.hpp"

namespace sluice::expr::detail {

void append_json_text(const Value& v, std::string& out);

}  // namespace sluice::expr::detail
