// libFuzzer target for the expression language (README: Expressions and
// templates): any text, compiled as an expression and as a template, either
// compiles or is rejected with a syntax problem; what compiles is evaluated
// against a handful of messages (JSON, not JSON, empty, with attrs) and must
// not crash, hang, throw or trip ASan / UBSan. Oracle-free: the values are
// not checked, only that every evaluation returns. (dsl_fuzz covers the
// pipeline loader; this one reaches evaluation, which loading never does.)
//
// Input: the source text up to the first NUL byte; after it, an optional
// payload of one more message, up to a second NUL, then its key, so that the
// fuzzer can shape the data an expression reads too. The seed corpus
// (tests/fuzz/expr_corpus/) has no NUL in most files: those are plain sources.
//
//   scripts/fuzz.sh 60
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/expression.hpp"
#include "sluice/message.hpp"

namespace {

sluice::Message message(std::string payload, std::string key, std::uint64_t seq) {
  sluice::Message m;
  m.payload = std::move(payload);
  m.key = std::move(key);
  m.seq = seq;
  m.priority = static_cast<std::int32_t>(seq % 3);
  m.trace_id = seq * 7919;  // unsigned: wraps, as ids may
  m.ingest_ns = static_cast<std::int64_t>(seq % 1'000'000'000) * 1'000'000;
  m.value = seq % 2 == 0 ? INT64_MIN : INT64_MAX;  // the edges of int64 arithmetic
  return m;
}

/// The fixed messages every compiled source is evaluated against.
const std::vector<sluice::Message>& fixed_messages() {
  static const std::vector<sluice::Message> messages = [] {
    std::vector<sluice::Message> out;
    out.push_back(message(
        R"({"user": {"id": 42, "name": "Ada"}, "items": [{"sku": "a-1", "n": 2}, {"sku": "b", "n": -1.5}],)"
        R"( "status": 503, "tags": ["x", "y"], "big": 9223372036854775807, "odd key": null, "ok": true})",
        "user-1", 1));
    out.push_back(message("not json at all {", "k", 2));
    out.push_back(message("", "", 0));
    out.push_back(message(R"([1, 2, [3, [4, {"a": "\u0063\ud83d\ude00"}]], -0, 1e400, "\u00e9"])",
                          "\xff\xfe", UINT64_MAX));
    sluice::Message with_attrs = message(R"({"a": tru})", "tenant-7", 9223372036854775807ULL);
    with_attrs.attrs.set("tenant", "acme");
    with_attrs.attrs.set("n", "-12");
    with_attrs.attrs.set("", "empty name");
    with_attrs.attrs.set("re", "(unclosed");
    out.push_back(std::move(with_attrs));
    return out;
  }();
  return messages;
}

/// Evaluation must return, whatever the value; an exception is a bug too
/// (a stage would count it as a failed attempt of every message).
template <typename F>
void must_not_throw(const char* what, std::string_view source, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "expr_fuzz: %s of '%.*s' threw: %s\n", what,
                 static_cast<int>(source.size()), source.data(), e.what());
    std::abort();
  }
}

void evaluate(std::string_view source, const std::vector<const sluice::Message*>& messages) {
  std::optional<sluice::Expression> expression;
  if (!sluice::Expression::check(source)) {
    must_not_throw("compiling the expression", source,
                   [&] { expression = sluice::Expression::compile(source); });
  }
  std::optional<sluice::Template> templ;
  if (!sluice::Template::check(source)) {
    must_not_throw("compiling the template", source,
                   [&] { templ = sluice::Template::compile(source); });
  }
  for (const sluice::Message* m : messages) {
    if (expression) {
      must_not_throw("evaluating the expression", source, [&] {
        volatile bool t = expression->test(*m);
        volatile std::int64_t i = expression->eval_int(*m);
        std::string out = "prefix:";
        expression->render(*m, out);
        (void)t;
        (void)i;
      });
    }
    if (templ) {
      must_not_throw("rendering the template", source, [&] { (void)templ->render(*m); });
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  const std::string_view source = input.substr(0, nul);

  std::vector<const sluice::Message*> messages;
  for (const auto& m : fixed_messages()) messages.push_back(&m);
  std::optional<sluice::Message> extra;
  if (nul != std::string_view::npos) {
    std::string_view rest = input.substr(nul + 1);
    const auto second = rest.find('\0');
    const std::string_view key = second == std::string_view::npos ? "" : rest.substr(second + 1);
    extra = message(std::string(rest.substr(0, second)), std::string(key), size);
    messages.push_back(&*extra);
  }
  evaluate(source, messages);
  return 0;
}
