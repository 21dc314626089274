#include "expr/time_functions.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::expr::detail {
namespace {

constexpr std::int64_t kFirst = -62135596800;  // 0001-01-01T00:00:00Z
constexpr std::int64_t kEnd = 253402300800;    // 10000-01-01T00:00:00Z, the first time too late
constexpr std::size_t kMaxFormatted = 64 * 1024;

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = floor_div(y, 400);
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leap(std::int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

std::string_view trim(std::string_view s) noexcept {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

/// Reads `n` digits at `at` (advancing it); nullopt when they are not all there.
std::optional<unsigned> digits(std::string_view s, std::size_t& at, std::size_t n) noexcept {
  if (at + n > s.size()) return std::nullopt;
  unsigned v = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const char c = s[at + k];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  at += n;
  return v;
}

bool expect(std::string_view s, std::size_t& at, char c) noexcept {
  if (at >= s.size() || s[at] != c) return false;
  ++at;
  return true;
}

/// RFC 3339 (and the common `YYYY-MM-DD HH:MM:SS` without an offset, read as UTC).
Value parse_rfc3339(std::string_view s) {
  std::size_t at = 0;
  const auto y = digits(s, at, 4);
  if (!y || !expect(s, at, '-')) return Value::null();
  const auto mo = digits(s, at, 2);
  if (!mo || !expect(s, at, '-')) return Value::null();
  const auto d = digits(s, at, 2);
  if (!d || at >= s.size() || (s[at] != 'T' && s[at] != 't' && s[at] != ' ')) return Value::null();
  ++at;
  const auto h = digits(s, at, 2);
  if (!h || !expect(s, at, ':')) return Value::null();
  const auto mi = digits(s, at, 2);
  if (!mi || !expect(s, at, ':')) return Value::null();
  const auto sec = digits(s, at, 2);
  if (!sec || *y == 0 || *mo < 1 || *mo > 12 || *d < 1 || *d > days_in_month(*y, *mo) || *h > 23 ||
      *mi > 59 || *sec > 60) {  // 60: a leap second, read as the next minute's 0
    return Value::null();
  }
  std::int64_t nanos = 0;
  bool fraction = false;
  if (at < s.size() && (s[at] == '.' || s[at] == ',')) {
    ++at;
    std::int64_t scale = 100'000'000;
    const std::size_t first = at;
    for (; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at) {
      nanos += (s[at] - '0') * scale;  // digits past nanoseconds are dropped
      scale /= 10;
    }
    if (at == first) return Value::null();
    fraction = true;
  }
  std::int64_t offset = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    const int sign = s[at] == '-' ? -1 : 1;
    ++at;
    const auto oh = digits(s, at, 2);
    if (!oh || !expect(s, at, ':')) return Value::null();
    const auto om = digits(s, at, 2);
    if (!om || *oh > 23 || *om > 59) return Value::null();
    offset = sign * static_cast<std::int64_t>(*oh * 3600 + *om * 60);
  }
  if (at != s.size()) return Value::null();
  const std::int64_t whole =
      days_from_civil(*y, *mo, *d) * 86400 + *h * 3600 + *mi * 60 + *sec - offset;
  if (!fraction) return Value::integer(whole);
  return Value::floating(static_cast<double>(whole) + static_cast<double>(nanos) / 1e9);
}

Value parse_with(std::string_view s, std::string_view fmt) {
  const std::string text(s);
  const std::string format(fmt);
  std::tm tm{};
  tm.tm_mday = 1;  // a format without a date reads a time on 1970-01-01
  tm.tm_year = 70;
  const char* end = ::strptime(text.c_str(), format.c_str(), &tm);
  if (end != text.c_str() + text.size()) return Value::null();  // all of it, a NUL too
  const long offset = tm.tm_gmtoff;  // set by %z; timegm() ignores and resets it
  if (tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999) return Value::null();
  const std::time_t t = ::timegm(&tm);
  return Value::integer(static_cast<std::int64_t>(t) - offset);
}

/// strftime(fmt) of `tm`, or nullopt when it would be longer than kMaxFormatted.
std::optional<std::string> strftime_of(std::string_view fmt, const std::tm& tm) {
  // A trailing space makes every output non-empty, so that 0 only means "too small".
  std::string format(fmt);
  format.push_back(' ');
  std::string out(std::max<std::size_t>(64, format.size() * 4), '\0');
  while (true) {
    const std::size_t n = std::strftime(out.data(), out.size(), format.c_str(), &tm);
    if (n > 0) {
      out.resize(n - 1);
      return out;
    }
    if (out.size() >= kMaxFormatted + format.size()) return std::nullopt;
    out.resize(out.size() * 4);
  }
}

}  // namespace

Value format_time(const Value& t, const Value* fmt, EvalContext& ctx) {
  const auto n = numeric_operand(t);
  if (!n) return Value::null();
  std::int64_t ms = 0;
  if (n->kind == Kind::integer) {
    if (n->i < kFirst || n->i >= kEnd) return Value::null();
    ms = n->i * 1000;
  } else {
    if (!(n->f >= static_cast<double>(kFirst) && n->f < static_cast<double>(kEnd))) {
      return Value::null();  // NaN too
    }
    // With a format, whole seconds: the second the time lies in.
    ms = fmt != nullptr ? static_cast<std::int64_t>(std::floor(n->f)) * 1000
                        : std::llround(n->f * 1000.0);
    if (ms >= kEnd * 1000) return Value::null();
  }
  const std::time_t whole = floor_div(ms, 1000);
  std::tm tm{};
  if (::gmtime_r(&whole, &tm) == nullptr) return Value::null();
  if (fmt == nullptr) {
    // By hand: strftime's %Y writes year 1 as "1", RFC 3339 wants four digits.
    const auto milli = static_cast<int>(ms - static_cast<std::int64_t>(whole) * 1000);
    std::string out;
    const auto put = [&out](int v, int width) {
      for (int div = width == 4 ? 1000 : width == 3 ? 100 : 10; div > 0; div /= 10) {
        out.push_back(static_cast<char>('0' + v / div % 10));
      }
    };
    put(tm.tm_year + 1900, 4);
    out.push_back('-');
    put(tm.tm_mon + 1, 2);
    out.push_back('-');
    put(tm.tm_mday, 2);
    out.push_back('T');
    put(tm.tm_hour, 2);
    out.push_back(':');
    put(tm.tm_min, 2);
    out.push_back(':');
    put(tm.tm_sec, 2);
    out.push_back('.');
    put(milli, 3);
    out.push_back('Z');
    return Value::string(ctx.keep(std::move(out)));
  }
  if (fmt->is_null()) return Value::null();
  TextBuf fbuf;
  auto out = strftime_of(text_of(*fmt, fbuf), tm);
  if (!out) return Value::null();
  return Value::string(ctx.keep(std::move(*out)));
}

Value parse_time(const Value& s, const Value* fmt) {
  if (s.is_null() || (fmt != nullptr && fmt->is_null())) return Value::null();
  TextBuf sbuf;
  const std::string_view text = trim(text_of(s, sbuf));
  if (text.empty()) return Value::null();
  if (fmt == nullptr) return parse_rfc3339(text);
  TextBuf fbuf;
  return parse_with(text, text_of(*fmt, fbuf));
}

}  // namespace sluice::expr::detail
