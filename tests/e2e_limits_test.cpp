// Limits per client (issue 16, section 3), against a real server: job
// starts past `--limits.starts-per-minute` and connections past
// `--limits.connections-per-ip` get 429 with Retry-After and create
// nothing; behind `--http.trusted-proxies` the client is the one
// X-Forwarded-For names, and nowhere else.

#include "support/api.hpp"
#include "support/raw_client.hpp"
#include "support/server_test.hpp"

#include <optional>

using namespace jobcast::test;
using namespace std::chrono_literals;

namespace {

const std::string starts_text =
    "429 Too Many Requests: too many jobs started from this address "
    "(--limits.starts-per-minute); see Retry-After\n";
const std::string connections_text =
    "429 Too Many Requests: too many open connections from this address "
    "(--limits.connections-per-ip)\n";

class limits : public server_test {
protected:
  /// Jobs the server knows of.
  std::size_t job_count() {
    return parse_object(request(port(), "GET", "/api/jobs").body)
        .at("jobs")
        .as_array()
        .size();
  }

  response form_start(const header_list& headers = {}) {
    return request(port(), "POST", "/", headers, "kind=demo");
  }

  response api_start(const std::string& kind, header_list headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    return request(port(), "POST", "/api/jobs", headers,
                   R"({"kind":")" + kind + R"("})");
  }

  /// A connection that the server has accepted and answered once, kept
  /// open. Tried again while the server may still count one that this
  /// client closed a moment ago.
  raw_client held(const std::string& from = "127.0.0.1",
                  const std::string& to = "127.0.0.1") {
    std::optional<raw_client> c;
    EXPECT_TRUE(eventually([&] {
      c.emplace(from, to, port());
      c->send("GET /healthz HTTP/1.1\r\nHost: " + host_of(to) + "\r\n\r\n");
      return c->read_until("ok\n").find("200 OK") != std::string::npos;
    }));
    return std::move(*c);
  }

  /// Everything the server answers to a request from `from` before it
  /// closes.
  std::string refused(const std::string& from = "127.0.0.1",
                      const std::string& to = "127.0.0.1") {
    raw_client c{from, to, port()};
    c.send("GET /view-progress/1 HTTP/1.1\r\nHost: " + host_of(to) +
           "\r\n\r\n");
    return c.read_until("");
  }

  static std::string host_of(const std::string& to) {
    return to.find(':') == std::string::npos ? to : "[" + to + "]";
  }
};

/// Retry-After as a number of seconds, or -1.
long retry_after(const response& res) {
  auto value = res.header("retry-after");
  if (value.empty() ||
      value.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  return std::stol(value);
}

} // namespace

// -- starts ------------------------------------------------------------------

TEST_F(limits, starts_past_the_limit_get_429_and_create_nothing) {
  start({"--limits.starts-per-minute=2", "--demo.interval=10s"});
  EXPECT_EQ(form_start().status, 303u);
  EXPECT_EQ(api_start("demo").status, 201u);
  auto form = form_start();
  EXPECT_EQ(form.status, 429u);
  EXPECT_EQ(form.body, starts_text);
  // Two starts a minute: the next one in 30 s at most.
  EXPECT_GE(retry_after(form), 1);
  EXPECT_LE(retry_after(form), 30);
  for (auto kind : {"demo", "external", "noop"}) {
    auto api = api_start(kind);
    EXPECT_EQ(api.status, 429u) << kind;
    EXPECT_EQ(parse_object(api.body).at("error"), "too many starts");
    EXPECT_GE(retry_after(api), 1) << kind;
  }
  EXPECT_EQ(job_count(), 2u);
  // Nothing else is limited: reads, cancels.
  EXPECT_EQ(request(port(), "GET", "/api/jobs/1").status, 200u);
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/1").status, 200u);
  EXPECT_EQ(metric(port(), "jobcast_client_limit_refusals_total{limit="
                           "\"starts\"}"),
            4);
  EXPECT_EQ(metric(port(), "jobcast_jobs_started_total"), 2);
}

TEST_F(limits, a_start_past_the_limit_is_refused_before_its_body) {
  start({"--limits.starts-per-minute=1"});
  EXPECT_EQ(form_start().status, 303u);
  auto answer =
      raw_exchange(port(), "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Content-Length: 9\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 429 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("Retry-After: "), std::string::npos) << answer;
  EXPECT_EQ(job_count(), 1u);
}

TEST_F(limits, each_address_has_its_own_start_budget) {
  start({"--limits.starts-per-minute=1"});
  auto post_from = [&](const std::string& from) {
    raw_client c{from, "127.0.0.1", port()};
    c.send("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
           "Content-Length: 0\r\n\r\n");
    auto answer = c.read_until("");
    return answer.substr(0, answer.find("\r\n"));
  };
  EXPECT_EQ(post_from("127.0.0.2"), "HTTP/1.1 303 See Other");
  EXPECT_EQ(post_from("127.0.0.2"), "HTTP/1.1 429 Too Many Requests");
  EXPECT_EQ(form_start().status, 303u); // from 127.0.0.1
  EXPECT_EQ(form_start().status, 429u);
  EXPECT_EQ(job_count(), 2u);
}

// -- connections -------------------------------------------------------------

TEST_F(limits, connections_past_the_per_ip_limit_get_429_and_no_actor) {
  start({"--limits.connections-per-ip=2"});
  std::vector<raw_client> open;
  open.push_back(held());
  open.push_back(held());
  auto answer = refused();
  EXPECT_EQ(answer.rfind("HTTP/1.1 429 Too Many Requests\r\n", 0), 0u)
      << answer;
  EXPECT_NE(answer.find("\r\nRetry-After: 1\r\n"), std::string::npos);
  EXPECT_NE(answer.find("\r\nConnection: close\r\n"), std::string::npos);
  EXPECT_EQ(answer.substr(answer.find("\r\n\r\n") + 4), connections_text);
  // Another address is another client.
  auto other = held("127.0.0.2");
  open.pop_back();
  EXPECT_TRUE(eventually(
      [&] { return request(port(), "GET", "/healthz").status == 200; }));
  open.clear();
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_connections_open") == 2; }));
  EXPECT_EQ(metric(port(), "jobcast_subscriber_actors"), 0);
  // At least: a try of `held` or `request` may have come too soon too.
  EXPECT_GE(metric(port(), "jobcast_client_limit_refusals_total{limit="
                           "\"connections\"}"),
            1);
}

TEST_F(limits, a_stream_counts_once_and_goes_on_counting_as_a_session) {
  start({"--limits.connections-per-ip=1", "--demo.interval=10ms"});
  auto id = start_job();
  EXPECT_TRUE(eventually([&] {
    return parse_object(request(port(), "GET", "/api/jobs/" + id).body)
               .at("state") == "succeeded";
  }));
  auto c = held();
  // The stream ends with the job and the connection goes on (keep-alive):
  // still one connection of this client, and the only one.
  c.send("GET /view-progress/" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_NE(c.read_until("0\r\n\r\n").find("All done"), std::string::npos);
  EXPECT_EQ(refused().rfind("HTTP/1.1 429 ", 0), 0u);
  c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_NE(c.read_until("ok\n").find("200 OK"), std::string::npos);
}

TEST_F(limits, ipv6_clients_are_limited_too) {
  start({"--http.address=::1", "--limits.connections-per-ip=1"});
  auto first = held("::1", "::1");
  auto answer = refused("::1", "::1");
  EXPECT_EQ(answer.rfind("HTTP/1.1 429 ", 0), 0u) << answer;
}

// -- behind a proxy ----------------------------------------------------------

TEST_F(limits, a_trusted_proxy_gives_each_forwarded_client_its_budget) {
  start({"--limits.starts-per-minute=2", "--http.trusted-proxies=127.0.0.1"});
  header_list a{{"X-Forwarded-For", "203.0.113.1"}};
  header_list b{{"X-Forwarded-For", "203.0.113.2"}};
  EXPECT_EQ(form_start(a).status, 303u);
  EXPECT_EQ(api_start("demo", a).status, 201u);
  EXPECT_EQ(form_start(a).status, 429u);
  EXPECT_EQ(form_start(b).status, 303u);
  EXPECT_EQ(form_start(b).status, 303u);
  EXPECT_EQ(api_start("noop", b).status, 429u);
  // What a client puts left of the proxy's hop does not change who it is.
  EXPECT_EQ(
      form_start({{"X-Forwarded-For", "198.51.100.7, 203.0.113.1"}}).status,
      429u);
  // Requests of the proxy itself are the proxy's.
  EXPECT_EQ(form_start().status, 303u);
  EXPECT_EQ(job_count(), 5u);
}

TEST_F(limits, without_trusted_proxies_x_forwarded_for_is_ignored) {
  start({"--limits.starts-per-minute=2"});
  EXPECT_EQ(form_start({{"X-Forwarded-For", "203.0.113.1"}}).status, 303u);
  EXPECT_EQ(form_start({{"X-Forwarded-For", "203.0.113.2"}}).status, 303u);
  EXPECT_EQ(form_start({{"X-Forwarded-For", "203.0.113.3"}}).status, 429u);
  EXPECT_EQ(job_count(), 2u);
}

TEST_F(limits, a_malformed_x_forwarded_for_counts_as_the_proxy) {
  start({"--limits.starts-per-minute=1", "--http.trusted-proxies=127.0.0.1"});
  EXPECT_EQ(form_start({{"X-Forwarded-For", "unknown"}}).status, 303u);
  EXPECT_EQ(form_start({{"X-Forwarded-For", "203.0.113.1, garbage"}}).status,
            429u);
  EXPECT_EQ(form_start().status, 429u);
  EXPECT_EQ(form_start({{"X-Forwarded-For", "203.0.113.1"}}).status, 303u);
}

TEST_F(limits, streams_through_a_proxy_count_against_the_forwarded_client) {
  start({"--limits.connections-per-ip=1", "--http.trusted-proxies=[127.0.0.1]",
         "--demo.interval=10s"});
  auto id = start_job();
  auto target = "/jobs/" + id + "/events";
  header_list a{{"X-Forwarded-For", "203.0.113.1"}};
  auto first = std::make_unique<stream>(port(), target, a);
  EXPECT_EQ(first->status(), 200u);
  // The proxy's own connections are many; the client's streams one.
  auto again = request(port(), "GET", target, a);
  EXPECT_EQ(again.status, 429u);
  EXPECT_EQ(again.body, connections_text);
  EXPECT_EQ(retry_after(again), 1);
  raw_client ws{port()};
  ws.send("GET /jobs/" + id +
          "/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          "X-Forwarded-For: 203.0.113.1\r\n\r\n");
  EXPECT_EQ(ws.read_until("\r\n\r\n").rfind("HTTP/1.1 429 ", 0), 0u);
  stream other{port(), target, {{"X-Forwarded-For", "203.0.113.2"}}};
  EXPECT_EQ(other.status(), 200u);
  // The stream gone, its client may open another.
  first->abandon();
  first.reset();
  EXPECT_TRUE(eventually([&] {
    return stream{port(), target, a}.status() == 200u;
  }));
}
