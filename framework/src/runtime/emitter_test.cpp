#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/runtime_emitter.hpp"
#include "sluice/stage.hpp"

namespace sluice {
namespace {

std::vector<Message> batch_of(std::initializer_list<int> seqs) {
  std::vector<Message> v;
  for (int s : seqs) {
    Message m;
    m.seq = static_cast<std::uint64_t>(s);
    m.payload = "payload of a size that does not fit the small string buffer " + std::to_string(s);
    v.push_back(std::move(m));
  }
  return v;
}

std::vector<std::uint64_t> seqs(const std::vector<Message>& v) {
  std::vector<std::uint64_t> out;
  for (const auto& m : v) out.push_back(m.seq);
  return out;
}

/// Runs `fn` over a batch the way the runtime does and returns port 0 and 1.
template <class Fn>
std::pair<std::vector<Message>, std::vector<Message>> run(std::vector<Message> in, Fn fn) {
  std::vector<Message> ports[2];
  const std::vector<std::string> names{"out", "other"};
  detail::RuntimeEmitter out(ports, &names);
  out.begin_batch(in);
  for (auto& m : in) {
    out.set_current(&m);
    fn(std::move(m), out);
  }
  out.set_current(nullptr);
  out.end_batch();
  EXPECT_TRUE(in.empty());
  return {std::move(ports[0]), std::move(ports[1])};
}

TEST(Emitter, PassingOnInPlaceKeepsTheBatchWithoutMoving) {
  auto in = batch_of({1, 2, 3});
  const Message* data = in.data();
  std::vector<Message> ports[1];
  const std::vector<std::string> names{"out"};
  detail::RuntimeEmitter out(ports, &names);
  out.begin_batch(in);
  for (auto& m : in) {
    out.set_current(&m);
    m.value = 7;
    out.emit(std::move(m));
  }
  out.end_batch();
  EXPECT_EQ(ports[0].data(), data) << "the input batch became the output batch";
  EXPECT_EQ(seqs(ports[0]), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(ports[0][2].value, 7);
}

TEST(Emitter, FilteringCompactsInOrder) {
  auto [out, other] = run(batch_of({1, 2, 3, 4, 5}), [](Message&& m, Emitter& e) {
    if (m.seq % 2 == 1) e.emit(std::move(m));
  });
  EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{1, 3, 5}));
  EXPECT_NE(out[2].payload.find(" 5"), std::string::npos);
  EXPECT_TRUE(other.empty());
}

TEST(Emitter, MixedInPlaceAndNewMessagesKeepEmissionOrder) {
  auto [out, other] = run(batch_of({1, 2, 3}), [](Message&& m, Emitter& e) {
    Message copy = m;
    copy.seq += 100;
    e.emit(std::move(copy));  // a new message first...
    e.emit(std::move(m));     // ...then the original, in place
  });
  EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{101, 1, 102, 2, 103, 3}));
}

TEST(Emitter, OriginalThenNewMessageKeepsEmissionOrder) {
  auto [out, other] = run(batch_of({1, 2}), [](Message&& m, Emitter& e) {
    const auto s = m.seq;
    e.emit(std::move(m));
    Message extra;
    extra.seq = s + 10;
    e.emit(std::move(extra));
  });
  EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{1, 11, 2, 12}));
}

TEST(Emitter, OtherPortsTakeMovedMessages) {
  auto [out, other] = run(batch_of({1, 2, 3}), [](Message&& m, Emitter& e) {
    e.emit(m.seq == 2 ? std::size_t{1} : std::size_t{0}, std::move(m));
  });
  EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(seqs(other), (std::vector<std::uint64_t>{2}));
  EXPECT_NE(other[0].payload.find(" 2"), std::string::npos);
}

TEST(Emitter, ByNameReachesThePort) {
  auto [out, other] =
      run(batch_of({1}), [](Message&& m, Emitter& e) { e.emit("other", std::move(m)); });
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(seqs(other), (std::vector<std::uint64_t>{1}));
}

}  // namespace
}  // namespace sluice
