#include "expr/value.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace sluice::expr {
namespace {

std::string_view trim_ascii(std::string_view s) noexcept {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

bool json_empty_container(std::string_view raw) noexcept {
  // raw is "{...}" or "[...]": empty when only whitespace sits between the brackets.
  if (raw.size() < 2) return true;
  return trim_ascii(raw.substr(1, raw.size() - 2)).empty();
}

std::optional<std::int64_t> saturate(double d) noexcept {
  if (std::isnan(d)) return std::nullopt;
  constexpr double kMax = 9223372036854775807.0;  // rounds to 2^63
  if (d >= kMax) return std::numeric_limits<std::int64_t>::max();
  if (d <= -kMax) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(d);
}

std::optional<double> parse_double(std::string_view t) noexcept {
  if (t.empty()) return std::nullopt;
  if (t.front() == '+') t.remove_prefix(1);
  double d = 0;
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  if (ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  return d;
}

/// Orders an integer and a float exactly (converting the integer to a double would make
/// 2^63 - 1 equal 2^63); nullopt for NaN.
std::optional<int> compare_int_float(std::int64_t i, double d) noexcept {
  if (std::isnan(d)) return std::nullopt;
  constexpr double kTwo63 = 9223372036854775808.0;
  if (d >= kTwo63) return -1;
  if (d < -kTwo63) return 1;
  const auto t = static_cast<std::int64_t>(d);  // exact: |d| < 2^63, truncated
  if (i != t) return i < t ? -1 : 1;
  const double frac = d - static_cast<double>(t);  // exact
  return frac > 0 ? -1 : (frac < 0 ? 1 : 0);
}

/// Numeric order of two numbers; nullopt when a NaN is involved.
std::optional<int> compare_numbers(const Value& a, const Value& b) noexcept {
  if (a.kind == Kind::integer && b.kind == Kind::integer) {
    return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  }
  if (a.kind == Kind::integer) return compare_int_float(a.i, b.f);
  if (b.kind == Kind::integer) {
    const auto c = compare_int_float(b.i, a.f);
    if (!c) return c;
    return -*c;
  }
  if (std::isnan(a.f) || std::isnan(b.f)) return std::nullopt;
  return a.f < b.f ? -1 : (a.f > b.f ? 1 : 0);
}

}  // namespace

bool truthy(const Value& v) noexcept {
  switch (v.kind) {
    case Kind::null:
      return false;
    case Kind::boolean:
      return v.b;
    case Kind::integer:
      return v.i != 0;
    case Kind::floating:
      return v.f != 0.0 && !std::isnan(v.f);
    case Kind::string:
      return !v.s.empty();
    case Kind::list:
      return !v.list.empty();
    case Kind::json:
      return !json_empty_container(v.s);
  }
  return false;
}

std::string_view text_of(const Value& v, TextBuf& buf) {
  char* const first = buf.small.data();
  char* const last = first + buf.small.size();
  switch (v.kind) {
    case Kind::null:
      return {};
    case Kind::boolean:
      return v.b ? "true" : "false";
    case Kind::integer: {
      const auto r = std::to_chars(first, last, v.i);
      return {first, static_cast<std::size_t>(r.ptr - first)};
    }
    case Kind::floating: {
      const auto r = std::to_chars(first, last, v.f);
      return {first, static_cast<std::size_t>(r.ptr - first)};
    }
    case Kind::string:
    case Kind::json:
      return v.s;
    case Kind::list:
      buf.heap.clear();
      append_json(v, buf.heap);
      return buf.heap;
  }
  return {};
}

void append_text(const Value& v, std::string& out) {
  if (v.kind == Kind::list) {
    append_json(v, out);
    return;
  }
  TextBuf buf;
  out.append(text_of(v, buf));
}

void append_json(const Value& v, std::string& out) {
  switch (v.kind) {
    case Kind::null:
      out.append("null");
      return;
    case Kind::floating:
      if (!std::isfinite(v.f)) {  // JSON has no NaN or infinity
        out.append("null");
        return;
      }
      append_text(v, out);
      return;
    case Kind::boolean:
    case Kind::integer:
    case Kind::json:
      append_text(v, out);
      return;
    case Kind::string: {
      static constexpr char kHex[] = "0123456789abcdef";
      out.push_back('"');
      for (const char c : v.s) {
        switch (c) {
          case '"':
            out.append("\\\"");
            break;
          case '\\':
            out.append("\\\\");
            break;
          case '\n':
            out.append("\\n");
            break;
          case '\r':
            out.append("\\r");
            break;
          case '\t':
            out.append("\\t");
            break;
          default:
            if (static_cast<unsigned char>(c) < 0x20) {
              out.append("\\u00");
              out.push_back(kHex[(c >> 4) & 0xF]);
              out.push_back(kHex[c & 0xF]);
            } else {
              out.push_back(c);
            }
        }
      }
      out.push_back('"');
      return;
    }
    case Kind::list: {
      out.push_back('[');
      bool first = true;
      for (const Value& e : v.list) {
        if (!first) out.push_back(',');
        first = false;
        append_json(e, out);
      }
      out.push_back(']');
      return;
    }
  }
}

std::optional<Value> read_number(std::string_view s) noexcept {
  const std::string_view t = trim_ascii(s);
  // Validate the decimal form by hand: from_chars would also take "inf", "nan" and
  // "infinity", which a log field reading "nan" must not become.
  std::size_t k = 0;
  if (k < t.size() && (t[k] == '+' || t[k] == '-')) ++k;
  std::size_t digits = 0;
  bool integral = true;
  while (k < t.size() && t[k] >= '0' && t[k] <= '9') ++k, ++digits;
  if (k < t.size() && t[k] == '.') {
    integral = false;
    ++k;
    while (k < t.size() && t[k] >= '0' && t[k] <= '9') ++k, ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (k < t.size() && (t[k] == 'e' || t[k] == 'E')) {
    integral = false;
    ++k;
    if (k < t.size() && (t[k] == '+' || t[k] == '-')) ++k;
    std::size_t exp_digits = 0;
    while (k < t.size() && t[k] >= '0' && t[k] <= '9') ++k, ++exp_digits;
    if (exp_digits == 0) return std::nullopt;
  }
  if (k != t.size()) return std::nullopt;
  std::string_view body = t;
  if (body.front() == '+') body.remove_prefix(1);
  if (integral) {
    std::int64_t n = 0;
    const auto [p, ec] = std::from_chars(body.data(), body.data() + body.size(), n);
    if (ec == std::errc() && p == body.data() + body.size()) return Value::integer(n);
  }
  // A fraction, an exponent, or an integer beyond int64 (a float, as in a JSON payload).
  const auto d = parse_double(body);
  if (!d || !std::isfinite(*d)) return std::nullopt;  // "1e400" is not a number
  return Value::floating(*d);
}

std::optional<Value> numeric_operand(const Value& v) noexcept {
  if (v.is_number()) return v;
  if (v.kind == Kind::string) return read_number(v.s);
  return std::nullopt;
}

std::optional<std::pair<Value, Value>> mixed_as_numbers(const Value& a, const Value& b) noexcept {
  if (a.is_number() && b.kind == Kind::string) {
    if (const auto n = read_number(b.s)) return std::pair{a, *n};
  } else if (a.kind == Kind::string && b.is_number()) {
    if (const auto n = read_number(a.s)) return std::pair{*n, b};
  }
  return std::nullopt;
}

bool values_equal(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  if (a.is_number() && b.is_number()) return compare_numbers(a, b) == 0;
  if (a.is_number() || b.is_number()) {
    const auto both = mixed_as_numbers(a, b);
    return both && compare_numbers(both->first, both->second) == 0;
  }
  TextBuf ba;
  TextBuf bb;
  return text_of(a, ba) == text_of(b, bb);
}

std::optional<int> compare_values(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return std::nullopt;
  if (a.is_number() && b.is_number()) return compare_numbers(a, b);
  if (a.is_number() || b.is_number()) {
    // "N/A" > 100 is neither true nor false as text would make it: not comparable.
    const auto both = mixed_as_numbers(a, b);
    if (!both) return std::nullopt;
    return compare_numbers(both->first, both->second);
  }
  TextBuf ba;
  TextBuf bb;
  const int c = text_of(a, ba).compare(text_of(b, bb));
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::optional<std::int64_t> to_int(const Value& v) {
  switch (v.kind) {
    case Kind::integer:
      return v.i;
    case Kind::floating:
      return saturate(v.f);
    case Kind::boolean:
      return v.b ? 1 : 0;
    case Kind::string: {
      std::string_view t = trim_ascii(v.s);
      if (!t.empty() && t.front() == '+') t.remove_prefix(1);
      std::int64_t n = 0;
      const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
      if (ec == std::errc() && p == t.data() + t.size() && !t.empty()) return n;
      if (const auto d = parse_double(t)) return saturate(*d);
      return std::nullopt;
    }
    case Kind::null:
    case Kind::list:
    case Kind::json:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<double> to_float(const Value& v) {
  switch (v.kind) {
    case Kind::integer:
      return static_cast<double>(v.i);
    case Kind::floating:
      return v.f;
    case Kind::boolean:
      return v.b ? 1.0 : 0.0;
    case Kind::string:
      return parse_double(trim_ascii(v.s));
    case Kind::null:
    case Kind::list:
    case Kind::json:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace sluice::expr
