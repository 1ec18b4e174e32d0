// Cross-site requests and DNS rebinding (issue 16, section 1), against a
// real server with hand-made headers: the Host check (421), the origin
// check of state-changing routes and WebSocket handshakes (403), and the
// media type of POST /api/jobs (415). Requests without browser headers
// (curl, scripts) must keep working.

#include "support/api.hpp"
#include "support/raw_client.hpp"
#include "support/server_test.hpp"

using namespace jobcast::test;
using namespace std::chrono_literals;

namespace {

const header_list json_type{{"Content-Type", "application/json"}};
const std::string form_type = "application/x-www-form-urlencoded";

class origin : public server_test {
protected:
  std::string own() const {
    return "http://127.0.0.1:" + std::to_string(port());
  }

  /// Jobs the server knows of.
  std::size_t job_count() {
    return parse_object(request(port(), "GET", "/api/jobs").body)
        .at("jobs")
        .as_array()
        .size();
  }

  /// The status line of a WebSocket handshake for job `id` with `extra`
  /// header lines (each ending in \r\n).
  std::string ws_status(const std::string& id, const std::string& extra) {
    raw_client c{port()};
    c.send("GET /jobs/" + id +
           "/ws HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port()) +
           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Version: 13\r\n" +
           extra + "\r\n");
    auto answer = c.read_until("\r\n\r\n");
    return answer.substr(0, answer.find("\r\n"));
  }
};

} // namespace

TEST_F(origin, a_foreign_host_gets_421_before_routing) {
  start();
  for (auto target : {"/", "/healthz", "/api/jobs", "/nothing/here"}) {
    auto res = request(port(), "GET", target, {{"Host", "attacker.example"}});
    EXPECT_EQ(res.status, 421u) << target;
  }
  auto text = request(port(), "GET", "/", {{"Host", "attacker.example:80"}});
  EXPECT_EQ(text.body, "421 Misdirected Request: this server does not answer "
                       "to that Host; see --http.allowed-hosts\n");
  auto api = request(port(), "GET", "/api/jobs",
                     {{"Host", "attacker.example:" + std::to_string(port())}});
  EXPECT_EQ(api.status, 421u);
  EXPECT_EQ(parse_object(api.body).at("error"), "misdirected request");
  // A rebinding page cannot start anything either.
  EXPECT_EQ(request(port(), "POST", "/", {{"Host", "attacker.example"}}).status,
            421u);
  EXPECT_EQ(job_count(), 0u);
}

TEST_F(origin, the_loopback_names_are_answered_with_and_without_the_port) {
  start();
  auto p = ":" + std::to_string(port());
  for (std::string host : {"localhost", "127.0.0.1", "[::1]", "LOCALHOST"})
    for (auto h : {host, host + p})
      EXPECT_EQ(request(port(), "GET", "/healthz", {{"Host", h}}).status, 200u)
          << h;
  auto other = ":" + std::to_string(port() + 1);
  EXPECT_EQ(request(port(), "GET", "/healthz", {{"Host", "localhost" + other}})
                .status,
            421u);
}

TEST_F(origin, only_http_1_0_may_leave_out_the_host) {
  start();
  auto old = raw_exchange(port(), "GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(old.rfind("HTTP/1.0 200 ", 0), 0u) << old;
  auto bare = raw_exchange(port(), "GET /healthz HTTP/1.1\r\n"
                                   "Connection: close\r\n\r\n");
  EXPECT_EQ(bare.rfind("HTTP/1.1 400 ", 0), 0u) << bare;
}

TEST_F(origin, allowed_hosts_replace_the_loopback_default) {
  start({"--http.allowed-hosts=[jobs.example, intra:8080]"});
  EXPECT_EQ(
      request(port(), "GET", "/healthz", {{"Host", "jobs.example"}}).status,
      200u);
  EXPECT_EQ(request(port(), "GET", "/healthz", {{"Host", "intra:8080"}}).status,
            200u);
  EXPECT_EQ(request(port(), "GET", "/healthz", {{"Host", "localhost"}}).status,
            421u);
}

TEST_F(origin, any_host_is_answered_when_bound_elsewhere) {
  start({"--http.address=0.0.0.0"});
  EXPECT_EQ(
      request(port(), "GET", "/healthz", {{"Host", "anything.example"}}).status,
      200u);
}

TEST_F(origin, a_cross_site_form_post_is_refused_and_starts_nothing) {
  start();
  auto res = request(port(), "POST", "/",
                     {{"Origin", "http://evil.example"},
                      {"Sec-Fetch-Site", "cross-site"},
                      {"Content-Type", form_type}},
                     "kind=demo");
  EXPECT_EQ(res.status, 403u);
  EXPECT_EQ(res.body, "403 Forbidden: cross-site request refused: Origin is "
                      "neither this server nor in --http.cors-origins\n");
  for (auto o :
       {std::string{"null"}, "https://127.0.0.1:" + std::to_string(port()),
        "http://localhost:" + std::to_string(port()),
        "http://127.0.0.1:" + std::to_string(port() + 1)})
    EXPECT_EQ(request(port(), "POST", "/", {{"Origin", o}}, "kind=demo").status,
              403u)
        << o;
  EXPECT_EQ(job_count(), 0u);
}

TEST_F(origin, sec_fetch_site_decides_without_origin) {
  start();
  for (auto site : {"cross-site", "same-site"}) {
    EXPECT_EQ(request(port(), "POST", "/", {{"Sec-Fetch-Site", site}}).status,
              403u);
    auto api = request(
        port(), "POST", "/api/jobs",
        {{"Sec-Fetch-Site", site}, {"Content-Type", "application/json"}}, "{}");
    EXPECT_EQ(api.status, 403u);
    EXPECT_EQ(parse_object(api.body).at("error"), "forbidden") << api.body;
  }
  EXPECT_EQ(job_count(), 0u);
  auto id = start_demo(port());
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/" + id,
                    {{"Sec-Fetch-Site", "cross-site"}})
                .status,
            403u);
  EXPECT_EQ(
      request(port(), "POST", "/", {{"Sec-Fetch-Site", "same-origin"}}).status,
      303u);
  EXPECT_EQ(request(port(), "POST", "/", {{"Sec-Fetch-Site", "none"}}).status,
            303u);
}

TEST_F(origin, a_same_origin_form_post_works) {
  start();
  auto res = request(port(), "POST", "/",
                     {{"Host", "127.0.0.1:" + std::to_string(port())},
                      {"Origin", own()},
                      {"Sec-Fetch-Site", "same-origin"},
                      {"Content-Type", form_type}},
                     "kind=demo");
  EXPECT_EQ(res.status, 303u) << res.body;
  auto local =
      request(port(), "POST", "/",
              {{"Host", "localhost:" + std::to_string(port())},
               {"Origin", "http://localhost:" + std::to_string(port())}},
              "kind=demo");
  EXPECT_EQ(local.status, 303u) << local.body;
  EXPECT_EQ(job_count(), 2u);
}

TEST_F(origin, a_cors_origin_may_start_and_cancel) {
  start({"--http.cors-origins=[\"https://app.example\"]"});
  auto created = request(port(), "POST", "/api/jobs",
                         {{"Origin", "https://app.example"},
                          {"Sec-Fetch-Site", "cross-site"},
                          {"Content-Type", "application/json"}},
                         R"({"kind":"demo"})");
  ASSERT_EQ(created.status, 201u) << created.body;
  auto id = id_of(created.body);
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/" + id,
                    {{"Origin", "https://app.example"}})
                .status,
            200u);
  EXPECT_EQ(request(port(), "POST", "/api/jobs",
                    {{"Origin", "https://other.example"},
                     {"Content-Type", "application/json"}},
                    "{}")
                .status,
            403u);
}

TEST_F(origin, post_api_jobs_takes_only_json) {
  start();
  for (auto type : {"text/plain", "text/plain;charset=UTF-8", form_type.c_str(),
                    "multipart/form-data; boundary=x", ""}) {
    header_list headers;
    if (*type)
      headers.emplace_back("Content-Type", type);
    auto res =
        request(port(), "POST", "/api/jobs", headers, R"({"kind":"demo"})");
    EXPECT_EQ(res.status, 415u) << type;
    EXPECT_EQ(parse_object(res.body).at("error"), "unsupported media type");
  }
  EXPECT_EQ(job_count(), 0u);
  EXPECT_EQ(request(port(), "POST", "/api/jobs",
                    {{"Content-Type", "application/json; charset=utf-8"}}, "{}")
                .status,
            201u);
}

TEST_F(origin, a_websocket_from_another_site_is_refused) {
  start({"--demo.interval=10s"});
  auto id = start_demo(port());
  EXPECT_EQ(ws_status(id, "Origin: http://evil.example\r\n"),
            "HTTP/1.1 403 Forbidden");
  EXPECT_EQ(ws_status(id, "Origin: null\r\n"), "HTTP/1.1 403 Forbidden");
  EXPECT_EQ(ws_status(id, "Origin: " + own() + "\r\n"),
            "HTTP/1.1 101 Switching Protocols");
  // No Origin: not a browser.
  EXPECT_EQ(ws_status(id, ""), "HTTP/1.1 101 Switching Protocols");
}

TEST_F(origin, requests_without_browser_headers_still_work) {
  start();
  EXPECT_EQ(request(port(), "POST", "/", {}, "kind=demo").status, 303u);
  auto id = id_of(api_start(port(), R"({"kind":"demo"})"));
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/" + id).status, 200u);
  auto ext = api_start(port(), R"({"kind":"external"})");
  EXPECT_EQ(request(port(), "POST", "/api/jobs/" + id_of(ext) + "/events",
                    {{"Authorization", "Bearer " + token_of(ext)},
                     {"Content-Type", "text/plain"}},
                    "one line\n")
                .status,
            202u);
}

TEST_F(origin, expect_continue_is_refused_before_the_body) {
  start();
  auto answer = raw_exchange(port(), "POST / HTTP/1.1\r\nHost: localhost\r\n"
                                     "Origin: http://evil.example\r\n"
                                     "Content-Length: 9\r\n"
                                     "Expect: 100-continue\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 403 ", 0), 0u) << answer;
}
