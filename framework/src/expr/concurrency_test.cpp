// One compiled Expression / Template evaluated from several threads at once.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "expr/expression.hpp"

namespace sluice::expr {
namespace {

TEST(Concurrency, SharedExpressionAndTemplate) {
  auto e = Expression::compile(
      R"(.status >= 500 && lower(.service) != "health" && key matches "^k[0-9]+$" && )"
      R"(split(.path, "/")[1] in ["api", "web"])");
  ASSERT_TRUE(e) << e.error().message;
  auto t = Template::compile(R"({{"k": "{upper(key)}", "s": {.status + seq}}})");
  ASSERT_TRUE(t) << t.error().message;

  constexpr int kThreads = 4;
  constexpr int kIterations = 5000;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      Message m;
      std::string out;
      for (int i = 0; i < kIterations; ++i) {
        const int status = 400 + (i + th) % 200;
        const bool health = i % 3 == 0;
        // Built with append(): GCC 12 -O3 warns falsely (-Wrestrict) on `"lit" + string`.
        m.key.clear();
        m.key.push_back('k');
        m.key.append(std::to_string(i));
        m.seq = static_cast<std::uint64_t>(th);
        m.payload.assign(R"({"status": )")
            .append(std::to_string(status))
            .append(R"(, "service": ")")
            .append(health ? "HEALTH" : "Api")
            .append(R"(", "path": "/api/x"})");
        const bool expected = status >= 500 && !health;
        if (e->test(m) != expected) failures.fetch_add(1);
        out.clear();
        t->render(m, out);
        std::string want = R"({"k": "K)";
        want.append(std::to_string(i))
            .append(R"(", "s": )")
            .append(std::to_string(status + th))
            .append("}");
        if (out != want) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace sluice::expr
