// LineSource (the file and stdin sources): lines split across reads of any
// size come out whole and in order, and max_line_bytes bounds what one line
// may hold in memory.
#include "builtins/line_source.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "builtins/test_graph.hpp"
#include "sluice/pipeline.hpp"

namespace sluice {
namespace {

using builtins::LineSource;

class FakeContext final : public Context {
 public:
  std::string_view stage_name() const noexcept override { return "src"; }
  std::size_t instance() const noexcept override { return 0; }
  std::size_t instances() const noexcept override { return 1; }
  const Clock& clock() const noexcept override { return clock_; }
  bool cancelled() const noexcept override { return false; }
  void wake_at(Nanos) override {}
  void request_stop() override {}
  void log(LogLevel, std::string_view) override {}
  void count_filtered(std::uint64_t) noexcept override {}
  void count_dropped(std::uint64_t) noexcept override {}
  void add_counter(std::string_view name, std::uint64_t n) override {
    counters[std::string(name)] += n;
  }
  std::map<std::string, std::uint64_t> counters;

 private:
  ManualClock clock_;
};

class TempFile {
 public:
  explicit TempFile(const std::string& content)
      : path_(
            std::filesystem::temp_directory_path() /
            ("sluice_line_source_" + std::to_string(::getpid()) + "_" + std::to_string(next_++))) {
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] std::string path() const { return path_.string(); }

 private:
  static inline int next_ = 0;
  std::filesystem::path path_;
};

/// Every payload the source gives, `budget` messages per produce() at most.
std::vector<std::string> read_all(LineSource& src, FakeContext& ctx, std::size_t budget) {
  const std::vector<std::string> names{"out"};
  std::vector<Message> port;
  Emitter out(&port, &names);
  src.open(ctx);
  std::vector<std::string> lines;
  for (int calls = 0; calls < 1'000'000; ++calls) {
    const SourceStatus s = src.produce(out, ctx, budget);
    EXPECT_LE(port.size(), budget);
    for (Message& m : port) {
      EXPECT_EQ(m.seq, lines.size() + 1);
      lines.push_back(std::move(m.payload));
    }
    port.clear();
    if (s == SourceStatus::done) return lines;
  }
  ADD_FAILURE() << "the source never ended";
  return lines;
}

TEST(LineSource, LinesSplitAcrossReadsOfAnySizeComeOutWhole) {
  std::string text;
  std::vector<std::string> expected;
  for (int k = 0; k < 60; ++k) {
    // Lengths 0..~300 around every small read size; some end in "\r\n".
    std::string line(static_cast<std::size_t>(k * k % 301), static_cast<char>('a' + k % 26));
    expected.push_back(line);
    text += line + (k % 4 == 3 ? "\r\n" : "\n");
  }
  text += "\n\nlast without newline\r";
  expected.insert(expected.end(), {"", "", "last without newline"});
  const TempFile f(text);
  for (const std::size_t chunk : {1u, 2u, 3u, 7u, 64u, 299u, 300u, 301u, 65536u}) {
    for (const std::size_t budget : {1u, 2u, 5u, 1000u}) {
      FakeContext ctx;
      LineSource src(f.path(), 300, chunk);
      EXPECT_EQ(read_all(src, ctx, budget), expected) << "chunk " << chunk << " budget " << budget;
    }
  }
}

TEST(LineSource, EachLineGetsItsOwnNonZeroTraceIdThatJsonReadsExactly) {
  std::string text;
  for (int k = 0; k < 1000; ++k) text += "line\n";
  const TempFile f(text);
  std::set<std::uint64_t> ids, second_run;
  for (auto* into : {&ids, &second_run}) {
    FakeContext ctx;
    LineSource src(f.path(), 100, 65536);
    const std::vector<std::string> names{"out"};
    std::vector<Message> port;
    Emitter out(&port, &names);
    src.open(ctx);
    while (src.produce(out, ctx, 64) != SourceStatus::done) {
    }
    for (const Message& m : port) {
      EXPECT_NE(m.trace_id, 0u);
      EXPECT_LE(m.trace_id, builtins::kMaxTraceId);
      into->insert(m.trace_id);
    }
  }
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(second_run.size(), 1000u);
  EXPECT_NE(ids, second_run) << "a second reading of the file draws new ids";
}

TEST(LineSource, ReopenedAfterACloseItReadsOnFromWhereItWas) {
  // A restart closes and opens the same source: lines neither repeat nor go
  // missing, a line split across the reopen included (reads of 7 bytes).
  std::string content;
  for (int i = 1; i <= 50; ++i) content += "line " + std::to_string(i) + "\n";
  TempFile f(content);
  LineSource src(f.path(), LineSource::kDefaultMaxLineBytes, /*read_chunk=*/7);
  FakeContext ctx;
  const std::vector<std::string> names{"out"};
  std::vector<Message> port;
  Emitter out(&port, &names);
  src.open(ctx);
  std::vector<std::string> lines;
  for (int calls = 0; calls < 10'000; ++calls) {
    const SourceStatus s = src.produce(out, ctx, 3);
    for (Message& m : port) lines.push_back(std::move(m.payload));
    port.clear();
    if (s == SourceStatus::done) break;
    if (calls % 4 == 3) {
      src.close(ctx);
      src.open(ctx);
    }
  }
  ASSERT_EQ(lines.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(lines[i], "line " + std::to_string(i + 1));
}

TEST(LineSource, AnEmptyFileAndAFileOfNewlines) {
  const TempFile empty("");
  const TempFile newlines("\n\n\n");
  for (const std::size_t chunk : {1u, 65536u}) {
    FakeContext ctx;
    LineSource a(empty.path(), 10, chunk);
    EXPECT_TRUE(read_all(a, ctx, 10).empty());
    LineSource b(newlines.path(), 10, chunk);
    EXPECT_EQ(read_all(b, ctx, 10), (std::vector<std::string>{"", "", ""}));
  }
}

TEST(LineSource, ALineOfExactlyMaxLineBytesPassesWithEitherLineEnding) {
  const std::string ten(10, 'x');
  const TempFile f(ten + "\n" + ten + "\r\n" + ten);
  for (const std::size_t chunk : {1u, 3u, 11u, 12u, 65536u}) {
    FakeContext ctx;
    LineSource src(f.path(), 10, chunk);
    EXPECT_EQ(read_all(src, ctx, 7), (std::vector<std::string>{ten, ten, ten})) << chunk;
  }
}

TEST(LineSource, ALongerLineFailsTheSourceNamingItsLineAndIsCounted) {
  const std::string ok(10, 'x');
  for (const std::string& last : {std::string(11, 'y') + "\n", std::string(11, 'y'),
                                  std::string(10, 'y') + "\r\r\n", std::string(5000, 'y')}) {
    const TempFile f(ok + "\n" + ok + "\r\n" + last + "\nmore\n");
    for (const std::size_t chunk : {1u, 4u, 65536u}) {
      FakeContext ctx;
      LineSource src(f.path(), 10, chunk);
      try {
        read_all(src, ctx, 1000);
        ADD_FAILURE() << "no error, chunk " << chunk;
      } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "line 3 of " + f.path() + " is longer than max_line_bytes (10 bytes)");
      }
      EXPECT_EQ(ctx.counters["lines_too_long"], 1u);
    }
  }
}

TEST(LineSource, ALongLineIsRefusedAfterMaxLineBytesNotAtItsEnd) {
  // 8 MB with no newline: the source stops once it holds more than the bound.
  const TempFile f("first\n" + std::string(8 << 20, 'z') + "\n");
  FakeContext ctx;
  LineSource src(f.path(), 1000, 4096);
  const std::vector<std::string> names{"out"};
  std::vector<Message> port;
  Emitter out(&port, &names);
  src.open(ctx);
  EXPECT_THROW(
      {
        for (int k = 0; k < 100'000; ++k) src.produce(out, ctx, 1000);
      },
      std::runtime_error);
  ASSERT_EQ(port.size(), 1u);
  EXPECT_EQ(port[0].payload, "first");
  EXPECT_LE(src.held_bytes(), 1000u + 1 + 4096);
}

TEST(LineSource, FileStageFailsTheRunNamingTheStageAndTheLine) {
  const TempFile f("a\nbb\nccc\n");
  testing::Kept got;
  Graph g;
  auto src =
      testing::add(g, "src", "file", false,
                   {{"path", OptionValue::of(f.path())}, {"max_line_bytes", OptionValue::of(2)}});
  g.connect(src, testing::keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 1});
  const RunResult r = p.run();
  EXPECT_EQ(r.status, RunStatus::failed);
  EXPECT_EQ(r.error_stage, "src");
  EXPECT_EQ(r.error, "line 3 of " + f.path() + " is longer than max_line_bytes (2 bytes)");
  EXPECT_EQ(testing::stage(p, "src").out, 2u);  // the lines before it (then abandoned: a failure)
  EXPECT_EQ(testing::stage(p, "src").counters.at("lines_too_long"), 1u);
}

TEST(LineSource, MaxLineBytesIsInTheSchemaWithItsRangeAndDefault) {
  for (const char* type : {"file", "stdin"}) {
    const StageType* t = builtin_registry().find(type, false);
    ASSERT_NE(t, nullptr);
    const OptionSpec* o = t->schema.find("max_line_bytes");
    ASSERT_NE(o, nullptr) << type;
    ASSERT_TRUE(o->default_value);
    EXPECT_EQ(o->default_value->i, 16 << 20);
    EXPECT_EQ(o->min, 1.0);
    EXPECT_EQ(o->max, 1e9);
  }
}

}  // namespace
}  // namespace sluice
