// The ack subjects a JetStream server sends, in both forms, and what is not one.
#include "builtins/nats/ack_subject.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace sluice::builtins::nats {
namespace {

void expect_parsed(std::string_view reply, std::uint64_t delivered, std::uint64_t stream_seq) {
  const std::optional<AckSubject> a = parse_ack_subject(reply);
  ASSERT_TRUE(a.has_value()) << reply;
  EXPECT_EQ(a->delivered, delivered) << reply;
  EXPECT_EQ(a->stream_seq, stream_seq) << reply;
}

TEST(NatsAckSubject, ReadsTheNineTokenForm) {
  // stream ORDERS, consumer workers, delivered 1, stream seq 1002, consumer
  // seq 977, timestamp, 14 pending.
  expect_parsed("$JS.ACK.ORDERS.workers.1.1002.977.1700000000123456789.14", 1, 1002);
  expect_parsed("$JS.ACK.ORDERS.workers.3.7.5.1700000000123456789.0", 3, 7);
}

TEST(NatsAckSubject, ReadsTheFormWithDomainAndAccountHash) {
  // No domain ("_"), an account hash, and the random token a newer server appends.
  expect_parsed(
      "$JS.ACK._.hxdNX7yqLp1XOKMW8GuSC0.ORDERS.workers.2.1002.978.1700000000123456789.13."
      "sQmAtuE3PkVZyf1IJxWd2H",
      2, 1002);
  // A domain, and no trailing token.
  expect_parsed("$JS.ACK.hub.hxdNX7yqLp1XOKMW8GuSC0.ORDERS.workers.4.88.21.1700000000123456789.0",
                4, 88);
}

TEST(NatsAckSubject, NamesThatLookLikeNumbersDoNotShiftTheFields) {
  expect_parsed("$JS.ACK.2024.7.5.6.1.1700000000123456789.0", 5, 6);
  expect_parsed("$JS.ACK._.abc.2024.7.5.6.1.1700000000123456789.0.x", 5, 6);
}

TEST(NatsAckSubject, TakesTheLargestCounts) {
  expect_parsed("$JS.ACK.S.C.18446744073709551615.18446744073709551615.1.2.3",
                18446744073709551615ULL, 18446744073709551615ULL);
}

TEST(NatsAckSubject, ToleratesMoreTokensAfterTheTwelfth) {
  expect_parsed("$JS.ACK._.acc.S.C.2.9.4.1700000000123456789.0.tok.more.still", 2, 9);
}

TEST(NatsAckSubject, RejectsWhatIsNotAnAckSubject) {
  for (const char* reply : {
           "", "_INBOX.abc.1", "$JS.ACK",
           "$JS.ACK.S.C.1.2.3.4",      // 8 tokens: one short
           "$JS.ACK.S.C.1.2.3.4.5.6",  // 10 tokens: neither form
           "$JS.NAK.S.C.1.2.3.4.5",    // another prefix
           "$js.ack.S.C.1.2.3.4.5",    // subjects are case-sensitive
           "JS.ACK.S.C.1.2.3.4.5",     //
           "x$JS.ACK.S.C.1.2.3.4.5",   //
       }) {
    EXPECT_FALSE(parse_ack_subject(reply).has_value()) << reply;
  }
}

TEST(NatsAckSubject, RejectsCountsThatAreNotPlainNumbers) {
  for (const char* reply : {
           "$JS.ACK.S.C.x.2.3.4.5",                     // delivered not a number
           "$JS.ACK.S.C.1.y.3.4.5",                     // stream seq not a number
           "$JS.ACK.S.C..2.3.4.5",                      // empty token
           "$JS.ACK.S.C.1..3.4.5",                      //
           "$JS.ACK.S.C.-1.2.3.4.5",                    // a sign
           "$JS.ACK.S.C.+1.2.3.4.5",                    //
           "$JS.ACK.S.C.1x.2.3.4.5",                    // trailing text
           "$JS.ACK.S.C. 1.2.3.4.5",                    // leading space
           "$JS.ACK.S.C.18446744073709551616.2.3.4.5",  // beyond 64 bits
           "$JS.ACK._.acc.S.C.one.2.3.4.5.tok",         // the long form too
           "$JS.ACK._.acc.S.C.1.two.3.4.5.tok",         //
       }) {
    EXPECT_FALSE(parse_ack_subject(reply).has_value()) << reply;
  }
}

TEST(NatsAckSubject, ReadsOnlyTheGivenView) {
  // The view ends before ".5": 8 tokens, not an ack subject, although the
  // characters after it would complete one.
  const std::string whole = "$JS.ACK.S.C.1.2.3.4.5";
  EXPECT_FALSE(parse_ack_subject(std::string_view(whole).substr(0, whole.size() - 2)).has_value());
  EXPECT_TRUE(parse_ack_subject(whole).has_value());
}

}  // namespace
}  // namespace sluice::builtins::nats
