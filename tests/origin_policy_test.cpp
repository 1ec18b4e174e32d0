// Unit tests of the browser policies (http/origin_policy.hpp): which Host
// values a server answers to, and which pages may change state. Pure
// functions, no server.

#include "http/origin_policy.hpp"

#include <gtest/gtest.h>

using namespace jobcast;

// -- host_policy --------------------------------------------------------------

TEST(host_policy, on_loopback_answers_the_loopback_names_with_its_port) {
  auto p = host_policy::for_server({}, "127.0.0.1", 3000);
  EXPECT_FALSE(p.allows_any());
  for (auto host : {"localhost", "localhost:3000", "LocalHost:3000",
                    "127.0.0.1", "127.0.0.1:3000", "[::1]", "[::1]:3000"})
    EXPECT_EQ(p.check(host, 11), host_check::allowed) << host;
  for (auto host :
       {"attacker.example", "attacker.example:3000", "localhost:3001",
        "127.0.0.1:80", "[::1]:1", "localhost.attacker.example",
        "127.0.0.1:3000x", "localhost:", "::1", "10.0.0.1:3000"})
    EXPECT_EQ(p.check(host, 11), host_check::foreign) << host;
}

TEST(host_policy, every_loopback_address_gets_the_loopback_default) {
  for (auto address : {"127.0.0.1", "127.0.0.2", "::1", "localhost"}) {
    auto p = host_policy::for_server({}, address, 8080);
    EXPECT_FALSE(p.allows_any()) << address;
    EXPECT_EQ(p.check("localhost:8080", 11), host_check::allowed) << address;
    EXPECT_EQ(p.check("evil.example:8080", 11), host_check::foreign) << address;
  }
  // The address itself, as a Host names it.
  auto other = host_policy::for_server({}, "127.0.0.2", 8080);
  EXPECT_EQ(other.check("127.0.0.2:8080", 11), host_check::allowed);
  EXPECT_EQ(other.check("127.0.0.2", 11), host_check::allowed);
  EXPECT_EQ(other.check("127.0.0.3:8080", 11), host_check::foreign);
}

TEST(host_policy, elsewhere_answers_any_host_by_default) {
  for (auto address : {"0.0.0.0", "::", "192.168.1.5"}) {
    auto p = host_policy::for_server({}, address, 3000);
    EXPECT_TRUE(p.allows_any()) << address;
    EXPECT_EQ(p.check("anything.example", 11), host_check::allowed);
    EXPECT_EQ(p.check("", 11), host_check::allowed);
  }
}

TEST(host_policy, a_list_replaces_the_default) {
  auto p = host_policy::for_server({"Jobs.Example.com", "intra:8080"},
                                   "127.0.0.1", 3000);
  EXPECT_EQ(p.check("jobs.example.com", 11), host_check::allowed);
  EXPECT_EQ(p.check("JOBS.example.com:443", 11), host_check::allowed);
  EXPECT_EQ(p.check("intra:8080", 11), host_check::allowed);
  EXPECT_EQ(p.check("intra", 11), host_check::foreign);
  EXPECT_EQ(p.check("intra:8081", 11), host_check::foreign);
  EXPECT_EQ(p.check("localhost:3000", 11), host_check::foreign);
  EXPECT_EQ(p.check("sub.jobs.example.com", 11), host_check::foreign);
  auto star = host_policy::for_server({"a.example", "*"}, "127.0.0.1", 3000);
  EXPECT_TRUE(star.allows_any());
  EXPECT_EQ(star.check("b.example", 11), host_check::allowed);
}

TEST(host_policy, only_http_1_0_may_leave_the_host_out) {
  auto p = host_policy::for_server({}, "127.0.0.1", 3000);
  EXPECT_EQ(p.check("", 10), host_check::allowed);
  EXPECT_EQ(p.check("", 11), host_check::missing);
  EXPECT_EQ(p.check("attacker.example", 10), host_check::foreign);
}

// -- origin_policy ------------------------------------------------------------

TEST(origin_policy, requests_without_browser_headers_pass) {
  origin_policy p;
  EXPECT_EQ(p.check("127.0.0.1:3000", "", ""), origin_check::allowed);
  EXPECT_EQ(p.check("", "", ""), origin_check::allowed);
}

TEST(origin_policy, same_origin_is_the_hosts_name_and_port_over_http_or_https) {
  origin_policy p;
  EXPECT_EQ(p.check("127.0.0.1:3000", "http://127.0.0.1:3000", ""),
            origin_check::allowed);
  EXPECT_EQ(p.check("localhost:3000", "http://LOCALHOST:3000", "cross-site"),
            origin_check::allowed); // Origin decides.
  EXPECT_EQ(p.check("localhost", "http://localhost", ""),
            origin_check::allowed);
  EXPECT_EQ(p.check("localhost:80", "http://localhost", ""),
            origin_check::allowed);
  EXPECT_EQ(p.check("[::1]:3000", "http://[::1]:3000", ""),
            origin_check::allowed);
  // Behind a proxy that terminates TLS.
  EXPECT_EQ(p.check("jobs.example.com", "https://jobs.example.com", ""),
            origin_check::allowed);
  EXPECT_EQ(p.check("127.0.0.1:3000", "https://127.0.0.1:3000", ""),
            origin_check::allowed);
  for (auto origin :
       {"http://127.0.0.1:3001", "https://127.0.0.1:3001",
        "ftp://127.0.0.1:3000", "http://localhost:3000", "http://evil.example",
        "http://127.0.0.1:3000.evil.example", "garbage", "http://",
        "http://user@127.0.0.1:3000"})
    EXPECT_EQ(p.check("127.0.0.1:3000", origin, "same-origin"),
              origin_check::foreign_origin)
        << origin;
  EXPECT_EQ(p.check("", "http://127.0.0.1:3000", ""),
            origin_check::foreign_origin);
}

TEST(origin_policy, null_origin_counts_as_cross_site) {
  origin_policy p{{"null"}};
  EXPECT_EQ(p.check("127.0.0.1:3000", "null", "same-origin"),
            origin_check::null_origin);
}

TEST(origin_policy, cors_origins_may_too) {
  origin_policy p{{"https://app.example.com", "http://Other.Example:8080/",
                   "https://tls.example:443", "*"}};
  EXPECT_EQ(p.check("127.0.0.1:3000", "https://app.example.com", "cross-site"),
            origin_check::allowed);
  EXPECT_EQ(p.check("127.0.0.1:3000", "http://other.example:8080", ""),
            origin_check::allowed);
  EXPECT_EQ(p.check("127.0.0.1:3000", "https://tls.example", ""),
            origin_check::allowed);
  // `*` is for read-only CORS: it lets no other page write.
  for (auto origin : {"http://app.example.com", "https://app.example.com:8443",
                      "https://evil.example", "https://sub.app.example.com"})
    EXPECT_EQ(p.check("127.0.0.1:3000", origin, ""),
              origin_check::foreign_origin)
        << origin;
}

TEST(origin_policy, cors_echoes_a_listed_origin_and_star_only_reads) {
  origin_policy listed{{"https://app.example.com", "http://Other.Example:80"}};
  EXPECT_EQ(listed.cors_allow("https://APP.example.com", true),
            "https://app.example.com");
  EXPECT_EQ(listed.cors_allow("http://other.example", false),
            "http://other.example");
  EXPECT_EQ(listed.cors_allow("https://evil.example", false), "");
  EXPECT_EQ(listed.cors_allow("", false), "");
  EXPECT_EQ(listed.cors_allow("null", false), "");
  origin_policy star{{"*", "https://app.example.com"}};
  EXPECT_EQ(star.cors_allow("https://evil.example", false), "*");
  EXPECT_EQ(star.cors_allow("https://evil.example", true), "");
  EXPECT_EQ(star.cors_allow("https://app.example.com", true),
            "https://app.example.com");
  EXPECT_EQ(star.cors_allow("null", false), "");
  EXPECT_EQ(star.cors_allow("not an origin", false), "");
  EXPECT_EQ(origin_policy{}.cors_allow("https://app.example.com", false), "");
}

TEST(origin_policy, without_origin_sec_fetch_site_decides) {
  origin_policy p{{"https://app.example.com"}};
  EXPECT_EQ(p.check("127.0.0.1:3000", "", "same-origin"),
            origin_check::allowed);
  EXPECT_EQ(p.check("127.0.0.1:3000", "", "none"), origin_check::allowed);
  for (auto site : {"cross-site", "same-site", "something-else"})
    EXPECT_EQ(p.check("127.0.0.1:3000", "", site),
              origin_check::cross_site_fetch)
        << site;
}

TEST(origin_policy, normalize_drops_default_ports_and_case) {
  EXPECT_EQ(origin_policy::normalize("HTTP://Example.COM:80"),
            "http://example.com");
  EXPECT_EQ(origin_policy::normalize("https://example.com:443/"),
            "https://example.com");
  EXPECT_EQ(origin_policy::normalize("https://example.com:80"),
            "https://example.com:80");
  EXPECT_EQ(origin_policy::normalize("http://[::1]:3000"), "http://[::1]:3000");
  for (auto bad : {"", "example.com", "://x", "http://", "http://x/y",
                   "http://x:y", "http://a@b", "null"})
    EXPECT_EQ(origin_policy::normalize(bad), "") << bad;
}
