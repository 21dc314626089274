// HOST:PORT for --metrics: what is accepted and how what is not is named.
#include "listen_address.hpp"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

ListenAddress ok(std::string_view text) {
  auto r = parse_listen_address(text);
  if (auto* e = std::get_if<std::string>(&r)) {
    ADD_FAILURE() << text << ": " << *e;
    return {};
  }
  return std::get<ListenAddress>(r);
}

std::string error(std::string_view text) {
  auto r = parse_listen_address(text);
  if (auto* e = std::get_if<std::string>(&r)) return *e;
  ADD_FAILURE() << text << " was accepted";
  return {};
}

TEST(ListenAddress, HostAndPort) {
  EXPECT_EQ(ok("127.0.0.1:9464").host, "127.0.0.1");
  EXPECT_EQ(ok("127.0.0.1:9464").port, 9464);
  EXPECT_EQ(ok("localhost:0").port, 0);
  EXPECT_EQ(ok("[::1]:9464").host, "::1");
  EXPECT_EQ(ok(":9464").host, "0.0.0.0");
  EXPECT_EQ(ok("0.0.0.0:65535").port, 65535);
}

TEST(ListenAddress, ABadAddressSaysWhatIsWrong) {
  EXPECT_EQ(error("9464"), "'9464' is not HOST:PORT (e.g. 127.0.0.1:9464)");
  EXPECT_EQ(error("localhost:65536"),
            "'localhost:65536': the port must be a number from 0 to 65535");
  EXPECT_EQ(error("localhost:"), "'localhost:': the port must be a number from 0 to 65535");
  EXPECT_EQ(error("localhost:http"), "'localhost:http': the port must be a number from 0 to 65535");
  EXPECT_EQ(error("localhost:-1"), "'localhost:-1': the port must be a number from 0 to 65535");
  EXPECT_EQ(error("::1:9464"), "'::1:9464': write an IPv6 address in brackets, e.g. [::1]:9464");
  EXPECT_EQ(error("a b:1"), "'a b:1': 'a b' is no host name or address");
}

TEST(ConnectAddress, WhatTheLogLinePrintedWithOrWithoutItsScheme) {
  auto a = std::get<ListenAddress>(parse_connect_address("http://127.0.0.1:9465"));
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 9465);
  EXPECT_EQ(std::get<ListenAddress>(parse_connect_address(":9465")).host, "127.0.0.1");
  EXPECT_EQ(std::get<ListenAddress>(parse_connect_address("[::]:9465")).host, "::1");
  EXPECT_EQ(std::get<std::string>(parse_connect_address("localhost:0")),
            "'localhost:0': the port must not be 0");
}

}  // namespace
}  // namespace sluice::cli
