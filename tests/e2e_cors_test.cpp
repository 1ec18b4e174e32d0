// Cross-origin reads (issue 14, section 3): which other sites' pages may
// read jobcast's answers, and the preflight a browser sends first. Against a
// real server with hand-made browser headers; the same in Chromium is
// browser.cross_site.

#include "support/api.hpp"
#include "support/server_test.hpp"

using namespace jobcast::test;

namespace {

const std::string app = "https://app.example";

class cors : public server_test {
protected:
  response preflight(const std::string& target, const std::string& method,
                     const std::string& from = app) {
    return request(port(), "OPTIONS", target,
                   {{"Origin", from},
                    {"Access-Control-Request-Method", method},
                    {"Access-Control-Request-Headers", "authorization"}});
  }
};

} // namespace

TEST_F(cors, without_cors_origins_no_page_of_another_site_may_read) {
  start();
  auto res = request(port(), "GET", "/api/jobs", {{"Origin", app}});
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.header("access-control-allow-origin"), "");
  auto pre = preflight("/api/jobs", "POST");
  EXPECT_EQ(pre.status, 403u);
  EXPECT_EQ(pre.header("access-control-allow-origin"), "");
  EXPECT_NE(pre.body.find("--http.cors-origins"), std::string::npos)
      << pre.body;
}

TEST_F(cors, a_listed_origin_reads_every_answer_and_stream) {
  start({"--http.cors-origins=[\"https://app.example\"]"});
  auto id = id_of(api_start(port(), R"({"kind":"demo"})"));
  for (auto target : {std::string{"/api/jobs"}, "/api/jobs/" + id,
                      std::string{"/api/jobs/999999"}}) {
    auto res = request(port(), "GET", target, {{"Origin", app}});
    EXPECT_EQ(res.header("access-control-allow-origin"), app) << target;
    EXPECT_EQ(res.header("vary"), "Origin") << target;
    EXPECT_EQ(res.header("access-control-allow-credentials"), "true") << target;
  }
  for (auto target :
       {"/jobs/" + id + "/events", "/view-progress/" + id + "?format=text"}) {
    stream s{port(), target, {{"Origin", app}}};
    EXPECT_EQ(s.status(), 200u) << target;
    EXPECT_EQ(s.header("access-control-allow-origin"), app) << target;
  }
  // Another site still reads nothing.
  auto other =
      request(port(), "GET", "/api/jobs", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(other.header("access-control-allow-origin"), "");
}

TEST_F(cors, a_listed_origin_passes_the_preflight_of_what_it_may_send) {
  start({"--http.cors-origins=[\"https://app.example\"]"});
  auto pre = preflight("/api/jobs", "POST");
  EXPECT_EQ(pre.status, 204u);
  EXPECT_EQ(pre.header("access-control-allow-origin"), app);
  EXPECT_EQ(pre.header("access-control-allow-methods"), "GET, HEAD, POST");
  EXPECT_NE(pre.header("access-control-allow-headers").find("Authorization"),
            std::string::npos);
  EXPECT_NE(pre.header("access-control-max-age"), "");
  auto publish = preflight("/api/jobs/1/events", "POST");
  EXPECT_EQ(publish.status, 204u);
  auto sse = preflight("/jobs/1/events", "GET");
  EXPECT_EQ(sse.status, 204u);
  EXPECT_EQ(sse.header("access-control-allow-origin"), app);
  // A method no route takes there, and an origin not listed.
  EXPECT_EQ(preflight("/api/jobs", "PUT").status, 405u);
  EXPECT_EQ(preflight("/api/jobs", "POST", "https://evil.example").status,
            403u);
}

TEST_F(cors, star_lets_any_page_read_but_none_write) {
  start({"--http.cors-origins=[\"*\"]"});
  auto res = request(port(), "GET", "/api/jobs",
                     {{"Origin", "https://anyone.example"}});
  EXPECT_EQ(res.header("access-control-allow-origin"), "*");
  EXPECT_EQ(res.header("access-control-allow-credentials"), "");
  auto read = preflight("/jobs/1/events", "GET", "https://anyone.example");
  EXPECT_EQ(read.status, 204u);
  EXPECT_EQ(read.header("access-control-allow-origin"), "*");
  EXPECT_EQ(read.header("access-control-allow-methods"), "GET, HEAD");
  for (auto [target, method] :
       {std::pair{"/api/jobs", "POST"}, std::pair{"/api/jobs/1", "DELETE"},
        std::pair{"/api/jobs/1/events", "POST"}}) {
    auto write = preflight(target, method, "https://anyone.example");
    EXPECT_EQ(write.status, 403u) << method << ' ' << target;
    EXPECT_EQ(write.header("access-control-allow-origin"), "") << target;
  }
  // Nor does the request itself pass, preflight or not.
  auto created = request(port(), "POST", "/api/jobs",
                         {{"Content-Type", "application/json"},
                          {"Origin", "https://anyone.example"}},
                         R"({"kind":"demo"})");
  EXPECT_EQ(created.status, 403u);
  EXPECT_EQ(created.header("access-control-allow-origin"), "");
}

TEST_F(cors, a_plain_options_request_is_still_405_with_allow) {
  start({"--http.cors-origins=[\"https://app.example\"]"});
  auto res = request(port(), "OPTIONS", "/api/jobs");
  EXPECT_EQ(res.status, 405u);
  EXPECT_EQ(res.header("allow"), "GET, HEAD, POST");
}
