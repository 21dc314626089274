#include "builtins/nats/url_check.hpp"

#include <gtest/gtest.h>

namespace sluice::builtins::nats {
namespace {

TEST(NatsUrl, AcceptsWhatNatsAccepts) {
  for (const char* ok : {"nats://127.0.0.1:4222", "nats://a:4222, nats://b:4223", "localhost",
                         "tls://user:pw@nats.example.com:443", "nats://token@h:1/",
                         "nats://[::1]:4222", "h-1.example_x:65535"}) {
    EXPECT_EQ(url_problem(ok), std::nullopt) << ok;
  }
}

TEST(NatsUrl, RejectsWhatCannotConnect) {
  for (const char* bad : {"", "  ", "http://h:4222", "nats://:4222", "nats://h:", "nats://h:0",
                          "nats://h:99999", "nats://h:42a", "nats://a:1,,nats://b:2", "nats://h b",
                          "nats://[::1", "nats://[::1]x", "nats://h/path"}) {
    EXPECT_NE(url_problem(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(url_problem("ftp://h"),
            "'ftp' in 'ftp://h' is not a NATS scheme: use nats:// or tls://");
}

}  // namespace
}  // namespace sluice::builtins::nats
