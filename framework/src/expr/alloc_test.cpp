// The hot path does not allocate: field access, comparisons, integer arithmetic, `in` over
// a literal list, literal regexes and JSON paths over the payload. Counts calls to the
// global operator new on this thread, once the thread is warm (its simdjson parser sized).
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string>

#include "expr/expression.hpp"

namespace {
thread_local long g_allocations = 0;
}  // namespace

// GCC cannot see that operator new below is the one in use, and calls free() on the
// result of "the library's" operator new a mismatch.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
// Every form is replaced, so that each allocation is counted and freed alike (simdjson
// allocates with `new (std::nothrow)`; under ASan a form left out would be its own).
void* operator new(std::size_t n, const std::nothrow_t& /*tag*/) noexcept {
  ++g_allocations;
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new(std::size_t n) {
  if (void* p = operator new(n, std::nothrow)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new[](std::size_t n, const std::nothrow_t& tag) noexcept {
  return operator new(n, tag);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t /*n*/) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t& /*tag*/) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t /*n*/) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t& /*tag*/) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace sluice::expr {
namespace {

class NoAllocation : public testing::TestWithParam<const char*> {};

TEST_P(NoAllocation, Evaluate) {
  auto e = Expression::compile(GetParam());
  ASSERT_TRUE(e) << e.error().message;
  Message m;
  m.key = "user-3";
  m.seq = 7;
  m.payload = R"({"status": 503, "service": "api", "items": [{"sku": "x1"}], "r": 0.5})";
  m.attrs.set("tenant", "acme");
  ASSERT_TRUE(e->test(m));  // warm up (regex caches)
  const long before = g_allocations;
  bool all = true;
  for (int i = 0; i < 100; ++i) all = e->test(m) && all;
  EXPECT_EQ(g_allocations - before, 0) << GetParam();
  EXPECT_TRUE(all);
}

INSTANTIATE_TEST_SUITE_P(
    HotPath, NoAllocation,
    testing::Values("seq % 10 == 7", R"(key == "user-3")", R"(attrs.tenant != "x")",
                    "seq * 3 + 1 > 20 && priority == 0", R"(key in ["a", "user-3"])",
                    R"(key starts_with "user" && key contains "-")", R"(key matches "^user-\\d$")",
                    R"(.status >= 500 && .service != "health")", R"(.items[0].sku == "x1")",
                    ".r < 1.0", R"(trim(lower(key)) == "user-3")",
                    R"(coalesce(.missing, seq) == 7)",
                    R"(["debug", "user-3", "info"][seq % 3] == key)"));

TEST(NoAllocation, RenderIntoReservedString) {
  auto t = Template::compile("n={seq} s={.status}");
  ASSERT_TRUE(t);
  Message m;
  m.seq = 7;
  m.payload = R"({"status": 503})";
  std::string out;
  out.reserve(64);
  t->render(m, out);  // warm up: the first JSON access on a thread sizes its simdjson parser
  const long before = g_allocations;
  for (int i = 0; i < 100; ++i) {
    out.clear();
    t->render(m, out);
  }
  EXPECT_EQ(g_allocations - before, 0);
  EXPECT_EQ(out, "n=7 s=503");
}

}  // namespace
}  // namespace sluice::expr
