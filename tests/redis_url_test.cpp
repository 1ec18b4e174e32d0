// redis://HOST[:PORT][/DB], as --redis.url takes it: what is accepted, and
// the one-line reason for what is not.

#include "redis/url.hpp"

#include <gtest/gtest.h>

using namespace jobcast::redis;

namespace {

url parsed(std::string_view text) {
  auto result = parse_url(text);
  if (auto* error = std::get_if<url_error>(&result))
    ADD_FAILURE() << text << ": " << error->reason;
  auto* u = std::get_if<url>(&result);
  return u ? *u : url{};
}

std::string reason(std::string_view text) {
  auto result = parse_url(text);
  auto* error = std::get_if<url_error>(&result);
  if (!error) {
    ADD_FAILURE() << text << " was accepted";
    return {};
  }
  return error->reason;
}

} // namespace

TEST(redis_url, takes_host_port_and_database) {
  auto u = parsed("redis://cache.internal:6380/3");
  EXPECT_EQ(u.host, "cache.internal");
  EXPECT_EQ(u.port, 6380);
  EXPECT_EQ(u.db, 3u);
}

TEST(redis_url, defaults_to_port_6379_and_database_0) {
  auto u = parsed("redis://localhost");
  EXPECT_EQ(u.host, "localhost");
  EXPECT_EQ(u.port, 6379);
  EXPECT_EQ(u.db, 0u);
  EXPECT_EQ(parsed("redis://localhost/").db, 0u);
  EXPECT_EQ(parsed("redis://10.0.0.7:7000").port, 7000);
}

TEST(redis_url, takes_ipv6_addresses_in_brackets) {
  auto u = parsed("redis://[::1]:6390/1");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 6390);
  EXPECT_EQ(u.db, 1u);
  EXPECT_EQ(parsed("redis://[fe80::1]").port, 6379);
  EXPECT_EQ(to_string(u), "redis://[::1]:6390/1");
}

TEST(redis_url, the_scheme_is_case_insensitive) {
  EXPECT_EQ(parsed("REDIS://h:1").host, "h");
}

TEST(redis_url, renders_what_it_parsed) {
  EXPECT_EQ(to_string(parsed("redis://h")), "redis://h:6379/0");
  EXPECT_EQ(to_string(parsed("redis://h:1/15")), "redis://h:1/15");
}

TEST(redis_url, refuses_other_schemes) {
  EXPECT_EQ(reason("http://h:6379"),
            "must start with redis:// (redis://HOST:PORT[/DB])");
  EXPECT_EQ(reason("h:6379"),
            "must start with redis:// (redis://HOST:PORT[/DB])");
  EXPECT_EQ(reason(""), "must start with redis:// (redis://HOST:PORT[/DB])");
  EXPECT_EQ(reason("rediss://h:6379"),
            "TLS (rediss://) is not supported; use redis://HOST:PORT");
  EXPECT_EQ(reason("unix:///run/redis.sock"),
            "Unix sockets are not supported; use redis://HOST:PORT");
}

TEST(redis_url, refuses_a_missing_host) {
  EXPECT_EQ(reason("redis://"), "has no host (redis://HOST:PORT[/DB])");
  EXPECT_EQ(reason("redis://:6379"), "has no host (redis://HOST:PORT[/DB])");
  EXPECT_EQ(reason("redis:///0"), "has no host (redis://HOST:PORT[/DB])");
  EXPECT_EQ(reason("redis://[]:1"), "has a malformed IPv6 address in brackets");
}

TEST(redis_url, refuses_bad_ports) {
  auto bad = "has a port that is not a number from 1 to 65535";
  EXPECT_EQ(reason("redis://h:0"), bad);
  EXPECT_EQ(reason("redis://h:65536"), bad);
  EXPECT_EQ(reason("redis://h:-1"), bad);
  EXPECT_EQ(reason("redis://h:http"), bad);
  EXPECT_EQ(reason("redis://h:99999999999999999999"), bad);
  EXPECT_EQ(reason("redis://h:1:2"),
            "has more than one ':' (IPv6 addresses go in brackets: "
            "redis://[::1]:6379)");
  EXPECT_EQ(reason("redis://h:"), "has a ':' with no port after it");
  EXPECT_EQ(reason("redis://[::1]:"), "has a ':' with no port after it");
}

TEST(redis_url, refuses_bad_databases) {
  auto bad = "has a database that is not a number from 0 to 2147483647 "
             "(redis://HOST:PORT/DB)";
  EXPECT_EQ(reason("redis://h:1/x"), bad);
  EXPECT_EQ(reason("redis://h:1/-1"), bad);
  EXPECT_EQ(reason("redis://h:1/1/2"), bad);
  EXPECT_EQ(reason("redis://h:1/2147483648"), bad);
  EXPECT_EQ(parsed("redis://h:1/2147483647").db, 2147483647u);
}

TEST(redis_url, refuses_what_it_does_not_support) {
  EXPECT_EQ(reason("redis://:secret@h:6379"),
            "passwords and user names (user:password@) are not supported");
  EXPECT_EQ(reason("redis://h:6379/0?timeout=1"),
            "query parameters and fragments are not supported");
  EXPECT_EQ(reason("redis://h#x"),
            "query parameters and fragments are not supported");
}

TEST(redis_url, refuses_malformed_hosts) {
  EXPECT_EQ(reason("redis://::1:6379"),
            "has more than one ':' (IPv6 addresses go in brackets: "
            "redis://[::1]:6379)");
  EXPECT_EQ(reason("redis://h st:1"),
            "has a host with characters other than letters, digits, '-', '.' "
            "and '_' (IPv6 addresses go in brackets)");
  EXPECT_EQ(reason("redis://[::1"),
            "has an IPv6 address without its closing ']'");
  EXPECT_EQ(reason("redis://[::1]x"),
            "has characters after the IPv6 address's ']'");
  EXPECT_EQ(reason("redis://[host]"),
            "has a malformed IPv6 address in brackets");
}

TEST(redis_url, every_reason_is_one_line) {
  for (auto text : {"", "x", "redis://", "redis://h:0", "redis://h/x",
                    "redis://a@b", "redis://h?x", "rediss://h", "redis://[x"})
    EXPECT_EQ(reason(text).find('\n'), std::string::npos) << text;
}
