// on_error = drop / dead_letter: a failed attempt leaks nothing downstream,
// and the failed message is counted or dead-lettered with its error.
#include <gtest/gtest.h>

#include "runtime/test_stages.hpp"
#include "sluice/pipeline.hpp"

namespace sluice {
namespace {

using testing::CountingSource;

/// Emits a marked copy and then the message itself, then throws on every
/// third message: what it emitted for those must vanish.
class EmitThenThrow final : public Stage {
 public:
  void process(Message&& m, Emitter& out, Context&) override {
    Message copy = m;
    copy.payload = "copy";
    out.emit(std::move(copy));
    const bool bad = m.seq % 3 == 0;
    out.emit(std::move(m));
    if (bad) throw TransientError("flaky");
  }
};

using testing::KeepSink;
using testing::Kept;

using testing::stage;

TEST(OnError, DropCountsTheMessageAndDiscardsWhatTheAttemptEmitted) {
  Kept got;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(30); });
  auto flaky = g.add_stage("flaky", [] { return std::make_unique<EmitThenThrow>(); },
                           {.on_error = OnError::drop});
  g.connect(src, flaky);
  g.connect(flaky, g.add_sink("out", [&] { return std::make_unique<KeepSink>(got); }));
  Pipeline p(std::move(g), {.threads = 2, .batch = 7});
  ASSERT_TRUE(p.run().ok());
  ASSERT_EQ(got.messages.size(), 40u);  // 20 good messages, each with its copy
  for (std::size_t i = 0; i < got.messages.size(); i += 2) {
    EXPECT_EQ(got.messages[i].payload, "copy");
    EXPECT_EQ(got.messages[i + 1].seq, got.messages[i].seq);
    EXPECT_NE(got.messages[i].seq % 3, 0u) << "a failed attempt leaked";
  }
  const auto stats = p.stats();
  const auto& st = stage(stats, "flaky");
  EXPECT_EQ(st.in, 30u);
  EXPECT_EQ(st.errors, 10u);
  EXPECT_EQ(st.dropped, 10u);
  EXPECT_EQ(st.out, 40u);
}

TEST(OnError, DeadLetterSendsTheOriginalWithItsErrorToThePort) {
  Kept good, dead;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(30); });
  auto flaky = g.add_stage("flaky", [] { return std::make_unique<EmitThenThrow>(); },
                           {.on_error = OnError::dead_letter}, {"out", "dead_letter"});
  g.connect(src, flaky);
  g.connect(flaky, "out", g.add_sink("good", [&] { return std::make_unique<KeepSink>(good); }));
  g.connect(flaky, "dead_letter",
            g.add_sink("dead", [&] { return std::make_unique<KeepSink>(dead); }));
  Pipeline p(std::move(g), {.threads = 2, .batch = 4});
  ASSERT_TRUE(p.run().ok());
  EXPECT_EQ(good.messages.size(), 40u);
  ASSERT_EQ(dead.messages.size(), 10u);
  for (const auto& m : dead.messages) {
    EXPECT_EQ(m.seq % 3, 0u);
    EXPECT_EQ(m.payload, "") << "the original message, not the copy";
    const std::string* error = m.attrs.find("error");
    const std::string* stage_attr = m.attrs.find("stage");
    const std::string* attempts = m.attrs.find("attempts");
    EXPECT_EQ(error ? *error : "", "flaky");
    EXPECT_EQ(stage_attr ? *stage_attr : "", "flaky");
    EXPECT_EQ(attempts ? *attempts : "", "1");
  }
  const auto stats = p.stats();
  const auto& st = stage(stats, "flaky");
  EXPECT_EQ(st.in, 30u);
  EXPECT_EQ(st.dead_letter, 10u);
  EXPECT_EQ(st.out, 40u) << "dead letters are not counted as out";
}

TEST(OnError, DeadLetterWithNothingWiredIsCountedOnce) {
  Kept good;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(9); });
  auto flaky = g.add_stage("flaky", [] { return std::make_unique<EmitThenThrow>(); },
                           {.on_error = OnError::dead_letter}, {"out", "dead_letter"});
  g.connect(src, flaky);
  g.connect(flaky, "out", g.add_sink("good", [&] { return std::make_unique<KeepSink>(good); }));
  Pipeline p(std::move(g), {.threads = 1});
  ASSERT_TRUE(p.run().ok());
  const auto stats = p.stats();
  const auto& st = stage(stats, "flaky");
  EXPECT_EQ(st.dead_letter, 3u);
  EXPECT_EQ(st.dropped, 0u);
}

TEST(OnError, DeadLetterNeedsThePort) {
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(1); });
  auto flaky = g.add_stage("flaky", [] { return std::make_unique<EmitThenThrow>(); },
                           {.on_error = OnError::dead_letter});
  g.connect(src, flaky);
  const auto problems = g.problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("dead_letter"), std::string::npos);
}

}  // namespace
}  // namespace sluice
