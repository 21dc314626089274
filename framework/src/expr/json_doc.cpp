#include "expr/json_doc.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <memory>
#include <utility>

#include "expr/eval_context.hpp"

namespace sluice::expr::detail {

namespace od = simdjson::ondemand;
using simdjson::error_code;

/// The payload size a thread's parser and copy are first made for, in bytes.
constexpr std::size_t kMinCapacity = 1024;
/// Documents may nest without limit (skipping a value does not recurse), but a path that
/// descends further than the parser's depth limit (1024) trips simdjson's development
/// checks: the parser rejects a longer path, and path() gives null for one all the same.
static_assert(kMaxPathSteps < simdjson::DEFAULT_MAX_DEPTH);

/// A simdjson parser and the padded copy of the payload it reads. One per thread, reused
/// by every evaluation on it, so that a warm thread parses without allocating.
struct JsonDoc::Scratch {
  od::parser parser;
  od::document doc;
  std::unique_ptr<char[]> buf;  // payload, then at least SIMDJSON_PADDING bytes
  std::size_t buf_size{0};
  std::size_t len{0};          // payload bytes in buf
  std::string_view doc_range;  // the text `doc` iterates (the payload or a value in it)
  bool doc_alive{false};       // `doc` may be rewound
  bool busy{false};            // a JsonDoc holds it
  bool checked{false};         // buf holds a payload that ready() found to be JSON
  bool escaped{false};         // ... with a backslash in it
};

namespace {

bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim_end(std::string_view s) noexcept {
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

/// Keys with these characters appear in a document only escaped.
bool needs_escape(std::string_view key) noexcept {
  for (const char c : key) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

std::string_view token_of(od::value& v) noexcept { return v.raw_json_token(); }
std::string_view token_of(od::document& d) noexcept {
  std::string_view t;
  return d.raw_json_token().get(t) == simdjson::SUCCESS ? t : std::string_view{};
}

/// The Value of the JSON value `v` (a value or a scalar document), consuming it. Strings
/// without escapes and the text of containers are views of the padded copy; strings with
/// escapes are decoded into the parser's buffer, which the next rewind reuses, so they are
/// copied into the evaluation's arena.
template <typename V>
Value convert(V& v, EvalContext& ctx) {
  od::json_type type{};
  if (v.type().get(type) != simdjson::SUCCESS) return Value::null();
  switch (type) {
    case od::json_type::object: {
      od::object o;
      std::string_view raw;
      if (v.get_object().get(o) != simdjson::SUCCESS || o.raw_json().get(raw) != simdjson::SUCCESS)
        return Value::null();
      return Value::json(trim_end(raw));
    }
    case od::json_type::array: {
      od::array a;
      std::string_view raw;
      if (v.get_array().get(a) != simdjson::SUCCESS || a.raw_json().get(raw) != simdjson::SUCCESS)
        return Value::null();
      return Value::json(trim_end(raw));
    }
    case od::json_type::string: {
      const std::string_view token = trim_end(token_of(v));
      if (token.size() < 2 || token.back() != '"') return Value::null();
      const std::string_view body = token.substr(1, token.size() - 2);
      // Stage 1 has checked the text's UTF-8 and control characters; escapes need decoding.
      if (body.find('\\') == std::string_view::npos) return Value::string(body);
      std::string_view decoded;
      if (v.get_string().get(decoded) != simdjson::SUCCESS) return Value::null();
      return Value::string(ctx.keep(std::string(decoded)));
    }
    case od::json_type::number: {
      od::number_type kind{};
      if (v.get_number_type().get(kind) != simdjson::SUCCESS) return Value::null();
      if (kind == od::number_type::signed_integer) {
        std::int64_t i = 0;
        if (v.get_int64().get(i) == simdjson::SUCCESS) return Value::integer(i);
      }
      // Integers beyond int64 become floats, as do numbers with a fraction or exponent.
      double d = 0;
      if (v.get_double().get(d) != simdjson::SUCCESS) return Value::null();
      return Value::floating(d);
    }
    case od::json_type::boolean: {
      bool b = false;
      if (v.get_bool().get(b) != simdjson::SUCCESS) return Value::null();
      return Value::boolean(b);
    }
    case od::json_type::null:
      return Value::null();
  }
  return Value::null();
}

/// Moves `v` to its member `key`. Without escapes in the payload, the raw keys are the keys.
error_code step_member(od::value& v, std::string_view key, bool escaped, od::value& out) {
  od::object obj;
  if (const error_code e = v.get_object().get(obj)) return e;
  if (!escaped) {
    if (needs_escape(key)) return simdjson::NO_SUCH_FIELD;
    return obj.find_field_unordered(key).get(out);
  }
  for (auto member : obj) {
    od::field field;
    if (const error_code e = std::move(member).get(field)) return e;
    std::string_view name;  // in the parser's buffer: compared, never kept
    if (const error_code e = field.unescaped_key().get(name)) return e;
    if (name == key) {
      out = field.value();
      return simdjson::SUCCESS;
    }
  }
  return simdjson::NO_SUCH_FIELD;
}

/// Moves `v` to its element `index`; a negative index counts from the end.
error_code step_element(od::value& v, std::int64_t index, od::value& out) {
  od::array arr;
  if (const error_code e = v.get_array().get(arr)) return e;
  if (index < 0) {
    std::size_t n = 0;
    if (const error_code e = arr.count_elements().get(n)) return e;  // rewinds the array
    index += static_cast<std::int64_t>(n);
    if (index < 0) return simdjson::INDEX_OUT_OF_BOUNDS;
  }
  return arr.at(static_cast<std::size_t>(index)).get(out);
}

}  // namespace

JsonDoc::Scratch& JsonDoc::thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

bool JsonDoc::ready() {
  if (state_ != State::closed) return state_ == State::valid;
  state_ = State::invalid;
  Scratch& mine = thread_scratch();
  if (!mine.busy) {
    scratch_ = &mine;
  } else {
    scratch_ = new Scratch;  // an evaluation inside another one on this thread
    owns_scratch_ = true;
  }
  Scratch& s = *scratch_;
  s.busy = true;
  // The payload the last evaluation on this thread opened, byte for byte (a
  // filter and then a count of one fused chain reading one message): its
  // copy, index and check stand. A differing payload differs early, mostly.
  if (s.checked && s.len == payload_.size() &&
      std::memcmp(s.buf.get(), payload_.data(), s.len) == 0) {
    escaped_ = s.escaped;
    state_ = State::valid;
    return true;
  }
  s.checked = false;
  s.doc_alive = false;
  if (s.buf_size < payload_.size() + simdjson::SIMDJSON_PADDING) {
    // Grow geometrically (parser and copy alike), so that a thread seeing ever larger
    // payloads allocates a few times, not once per new maximum.
    const std::size_t capacity = std::max({payload_.size(), 2 * s.parser.capacity(), kMinCapacity});
    if (s.parser.allocate(capacity) != simdjson::SUCCESS) return false;
    s.buf_size = capacity + simdjson::SIMDJSON_PADDING;
    s.buf.reset(new char[s.buf_size]());  // zeroed: the padding is read, never used
  }
  std::memcpy(s.buf.get(), payload_.data(), payload_.size());
  s.len = payload_.size();
  escaped_ = payload_.find('\\') != std::string_view::npos;

  // simdjson indexes the whole text here. Skipping the document's value then checks that
  // its brackets balance, and what follows it must be whitespace; values themselves are
  // checked only when a path reads them (not JSON -> null, see the header).
  const std::string_view whole(s.buf.get(), s.len);
  if (!start(whole)) return false;
  std::string_view raw;
  const bool skipped = s.doc.raw_json().get(raw) == simdjson::SUCCESS;
  s.doc_alive = s.doc.is_alive();
  if (!skipped) return false;
  for (const char* p = raw.data() + raw.size(); p < whole.data() + whole.size(); ++p) {
    if (!is_ws(*p)) return false;
  }
  s.checked = true;
  s.escaped = escaped_;
  state_ = State::valid;
  return true;
}

bool JsonDoc::start(std::string_view range) {
  Scratch& s = *scratch_;
  assert(range.data() >= s.buf.get() && range.data() + range.size() <= s.buf.get() + s.len);
  if (s.doc_alive && range.data() == s.doc_range.data() && range.size() == s.doc_range.size()) {
    s.doc.rewind();
    return true;
  }
  s.doc_alive = false;
  const auto room = static_cast<std::size_t>(s.buf.get() + s.buf_size - range.data());
  if (s.parser.iterate(simdjson::padded_string_view(range.data(), range.size(), room)).get(s.doc) !=
      simdjson::SUCCESS) {
    return false;
  }
  s.doc_range = range;
  s.doc_alive = true;
  return true;
}

void JsonDoc::finish() noexcept { scratch_->doc_alive = scratch_->doc.is_alive(); }

void JsonDoc::release() noexcept {
  if (owns_scratch_) {
    delete scratch_;
  } else {
    scratch_->busy = false;
  }
  scratch_ = nullptr;
}

Value JsonDoc::path(std::span<const PathStep> steps, EvalContext& ctx) {
  if (steps.size() > kMaxPathSteps) return Value::null();
  if (!ready() || !start({scratch_->buf.get(), scratch_->len})) return Value::null();
  od::document& doc = scratch_->doc;
  Value out = Value::null();
  od::value v;
  if (steps.empty()) {
    out = convert(doc, ctx);
  } else if (doc.get_value().get(v) == simdjson::SUCCESS) {  // fails for a scalar document
    bool found = true;
    for (const PathStep& step : steps) {
      od::value next;
      const error_code e = step.is_index ? step_element(v, step.index, next)
                                         : step_member(v, step.key, escaped_, next);
      if (e != simdjson::SUCCESS) {
        found = false;
        break;
      }
      v = next;
    }
    if (found) out = convert(v, ctx);
  }
  finish();
  return out;
}

Value JsonDoc::member(std::string_view raw, std::string_view key, EvalContext& ctx) {
  if (!ready() || !start(raw)) return Value::null();
  Value out = Value::null();
  od::value v;
  od::value m;
  if (scratch_->doc.get_value().get(v) == simdjson::SUCCESS &&
      step_member(v, key, escaped_, m) == simdjson::SUCCESS) {
    out = convert(m, ctx);
  }
  finish();
  return out;
}

Value JsonDoc::element(std::string_view raw, std::int64_t index, EvalContext& ctx) {
  if (!ready() || !start(raw)) return Value::null();
  Value out = Value::null();
  od::value v;
  od::value e;
  if (scratch_->doc.get_value().get(v) == simdjson::SUCCESS &&
      step_element(v, index, e) == simdjson::SUCCESS) {
    out = convert(e, ctx);
  }
  finish();
  return out;
}

std::size_t JsonDoc::size(std::string_view raw) {
  if (!ready() || !start(raw)) return 0;
  od::document& doc = scratch_->doc;
  std::size_t n = 0;
  od::json_type type{};
  if (doc.type().get(type) == simdjson::SUCCESS) {
    if (type == od::json_type::array) {
      od::array a;
      if (doc.get_array().get(a) != simdjson::SUCCESS || a.count_elements().get(n)) n = 0;
    } else if (type == od::json_type::object) {
      od::object o;
      if (doc.get_object().get(o) != simdjson::SUCCESS || o.count_fields().get(n)) n = 0;
    }
  }
  finish();
  return n;
}

bool JsonDoc::array_contains(std::string_view raw, const Value& needle, EvalContext& ctx) {
  if (!ready() || !start(raw)) return false;
  bool found = false;
  od::array arr;
  if (scratch_->doc.get_array().get(arr) == simdjson::SUCCESS) {
    for (auto element : arr) {
      od::value e;
      if (std::move(element).get(e) != simdjson::SUCCESS) break;
      if (values_equal(needle, convert(e, ctx))) {
        found = true;
        break;
      }
    }
  }
  finish();
  return found;
}

}  // namespace sluice::expr::detail
