// Unit tests of who a client is (http/client_address.hpp): trusted proxy
// ranges, X-Forwarded-For hops, and the key the limits count by. Pure
// functions, no server.

#include "http/client_address.hpp"

#include <gtest/gtest.h>

using namespace jobcast;

namespace {

ip_address addr(const char* text) {
  return boost::asio::ip::make_address(text);
}

trusted_proxies proxies(std::vector<std::string> entries) {
  std::string error;
  auto result = trusted_proxies::parse(entries, error);
  EXPECT_TRUE(result) << error;
  return result.value_or(trusted_proxies{});
}

} // namespace

// -- trusted_proxies ----------------------------------------------------------

TEST(trusted_proxies, takes_addresses_and_ranges_of_both_families) {
  auto p = proxies({"127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8",
                    " 192.168.1.0/24 ", "172.16.5.5/12"});
  for (auto in : {"127.0.0.1", "10.0.0.1", "10.255.255.255", "::1", "fd12::5",
                  "192.168.1.200", "172.31.0.1", "::ffff:10.1.2.3"})
    EXPECT_TRUE(p.contains(addr(in))) << in;
  for (auto out : {"127.0.0.2", "11.0.0.1", "::2", "fe00::1", "192.168.2.1",
                   "172.32.0.1", "::ffff:11.0.0.1", "0.0.0.0"})
    EXPECT_FALSE(p.contains(addr(out))) << out;
}

TEST(trusted_proxies, an_ipv4_range_is_not_an_ipv6_one) {
  // 0.0.0.0/0 is every IPv4 address, not every address.
  auto p = proxies({"0.0.0.0/0"});
  EXPECT_TRUE(p.contains(addr("203.0.113.9")));
  EXPECT_FALSE(p.contains(addr("2001:db8::1")));
  auto all6 = proxies({"::/0"});
  EXPECT_TRUE(all6.contains(addr("2001:db8::1")));
}

TEST(trusted_proxies, refuses_what_is_not_an_address_or_range) {
  for (auto bad :
       {"", "localhost", "10.0.0.0/33", "::1/129", "10.0.0.0/", "10.0.0.0/x",
        "10.0.0/8", "1.2.3.4:80", "/8", "10.0.0.0/-1", "10.0.0.0/8/8"}) {
    std::string error;
    EXPECT_FALSE(trusted_proxies::parse({bad}, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  std::string error;
  auto none = trusted_proxies::parse({}, error);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(none->contains(addr("127.0.0.1")));
}

// -- parse_hop ----------------------------------------------------------------

TEST(parse_hop, takes_addresses_with_or_without_brackets_and_ports) {
  EXPECT_EQ(parse_hop("203.0.113.7"), addr("203.0.113.7"));
  EXPECT_EQ(parse_hop(" \t203.0.113.7 "), addr("203.0.113.7"));
  EXPECT_EQ(parse_hop("203.0.113.7:4711"), addr("203.0.113.7"));
  EXPECT_EQ(parse_hop("2001:db8::1"), addr("2001:db8::1"));
  EXPECT_EQ(parse_hop("[2001:db8::1]"), addr("2001:db8::1"));
  EXPECT_EQ(parse_hop("[2001:db8::1]:443"), addr("2001:db8::1"));
  EXPECT_EQ(parse_hop("::ffff:198.51.100.1"), addr("198.51.100.1"));
}

TEST(parse_hop, refuses_garbage) {
  for (auto bad :
       {"", " ", "unknown", "_hidden", "example.com", "203.0.113", "1.2.3.4.5",
        "203.0.113.7:", "203.0.113.7:http", "203.0.113.7:123456", "[1.2.3.4]",
        "[2001:db8::1", "[2001:db8::1]x", "[2001:db8::1]:", "2001:db8::1:x",
        "203.0.113.7 198.51.100.1", "\"203.0.113.7\"", "1.2.3.4, 5.6.7.8"})
    EXPECT_FALSE(parse_hop(bad)) << bad;
}

// -- client_address -----------------------------------------------------------

TEST(client_address, a_peer_that_is_no_proxy_is_the_client) {
  auto none = proxies({});
  EXPECT_EQ(client_address(addr("127.0.0.1"), {"203.0.113.7"}, none),
            addr("127.0.0.1"));
  auto other = proxies({"10.0.0.1"});
  EXPECT_EQ(client_address(addr("127.0.0.1"), {"203.0.113.7"}, other),
            addr("127.0.0.1"));
}

TEST(client_address, takes_the_first_untrusted_hop_from_the_right) {
  auto p = proxies({"127.0.0.1", "10.0.0.0/8"});
  auto peer = addr("127.0.0.1");
  EXPECT_EQ(client_address(peer, {"203.0.113.7"}, p), addr("203.0.113.7"));
  // What the client wrote itself (left) is never believed.
  EXPECT_EQ(client_address(peer, {"198.51.100.1, 203.0.113.7"}, p),
            addr("203.0.113.7"));
  // Hops of trusted proxies are walked past.
  EXPECT_EQ(client_address(peer, {"198.51.100.1, 203.0.113.7, 10.1.1.1"}, p),
            addr("203.0.113.7"));
  EXPECT_EQ(client_address(peer, {"198.51.100.1,203.0.113.7,10.1.1.1"}, p),
            addr("203.0.113.7"));
}

TEST(client_address, several_headers_are_one_list) {
  auto p = proxies({"127.0.0.1", "10.0.0.0/8"});
  auto peer = addr("127.0.0.1");
  EXPECT_EQ(client_address(peer, {"198.51.100.1", "203.0.113.7"}, p),
            addr("203.0.113.7"));
  EXPECT_EQ(client_address(peer, {"203.0.113.7", "10.0.0.2", "10.0.0.3"}, p),
            addr("203.0.113.7"));
  EXPECT_EQ(client_address(peer, {"203.0.113.7", ""}, p), addr("203.0.113.7"));
}

TEST(client_address, ipv6_hops_and_peers) {
  auto p = proxies({"::1", "fd00::/8"});
  EXPECT_EQ(client_address(addr("::1"), {"2001:db8::7, fd00::2"}, p),
            addr("2001:db8::7"));
  EXPECT_EQ(client_address(addr("fd00::9"), {"[2001:db8::7]:5555"}, p),
            addr("2001:db8::7"));
  // A dual-stack socket's view of an IPv4 proxy.
  auto v4 = proxies({"127.0.0.1"});
  EXPECT_EQ(client_address(addr("::ffff:127.0.0.1"), {"203.0.113.7"}, v4),
            addr("203.0.113.7"));
}

TEST(client_address, spaces_and_empty_elements_are_skipped) {
  auto p = proxies({"127.0.0.1"});
  auto peer = addr("127.0.0.1");
  EXPECT_EQ(client_address(peer, {"  203.0.113.7 ,\t"}, p),
            addr("203.0.113.7"));
  EXPECT_EQ(client_address(peer, {"198.51.100.1 ,, 203.0.113.7 , ,"}, p),
            addr("203.0.113.7"));
}

TEST(client_address, a_malformed_hop_on_the_way_gives_the_peer) {
  auto p = proxies({"127.0.0.1", "10.0.0.0/8"});
  auto peer = addr("127.0.0.1");
  for (auto bad : {"unknown", "203.0.113.7, garbage", "203.0.113.7 10.0.0.1",
                   "203.0.113.7, 10.0.0.1, x", "\xff\xfe", ";;;"})
    EXPECT_EQ(client_address(peer, {bad}, p), peer) << bad;
  EXPECT_EQ(client_address(peer, {"203.0.113.7", "nonsense"}, p), peer);
}

TEST(client_address, garbage_left_of_the_client_is_never_read) {
  auto p = proxies({"127.0.0.1"});
  EXPECT_EQ(client_address(addr("127.0.0.1"), {"garbage, 203.0.113.7"}, p),
            addr("203.0.113.7"));
  EXPECT_EQ(client_address(addr("127.0.0.1"), {"x", "203.0.113.7"}, p),
            addr("203.0.113.7"));
}

TEST(client_address, no_hop_or_only_trusted_ones) {
  auto p = proxies({"127.0.0.1", "10.0.0.0/8"});
  auto peer = addr("127.0.0.1");
  // A request from the proxy itself (a health check, say).
  EXPECT_EQ(client_address(peer, {}, p), peer);
  EXPECT_EQ(client_address(peer, {" , "}, p), peer);
  // Every hop trusted: the farthest one is the client.
  EXPECT_EQ(client_address(peer, {"10.0.0.5, 10.0.0.6"}, p), addr("10.0.0.5"));
}

// -- key_of -------------------------------------------------------------------

TEST(key_of, ipv4_is_the_address_in_either_form) {
  EXPECT_EQ(key_of(addr("203.0.113.7")), key_of(addr("::ffff:203.0.113.7")));
  EXPECT_FALSE(key_of(addr("203.0.113.7")) == key_of(addr("203.0.113.8")));
  EXPECT_FALSE(key_of(addr("0.0.0.0")) == key_of(addr("::")));
}

TEST(key_of, ipv6_is_the_slash_64) {
  EXPECT_EQ(key_of(addr("2001:db8:1:2::1")),
            key_of(addr("2001:db8:1:2:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(key_of(addr("2001:db8:1:2::1")) ==
               key_of(addr("2001:db8:1:3::1")));
  EXPECT_FALSE(key_of(addr("::1")) == key_of(addr("0.0.0.1")));
}
