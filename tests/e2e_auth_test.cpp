// Signed access tokens (issue 16, section 2) against a real server:
// missing, malformed, wrongly signed, unsigned, expired tokens and tokens
// for another job or kind are refused on every transport (text, SSE,
// WebSocket, the JSON API, the pages); the right token works from the
// header, the query and the cookie; a stream ends when its token expires;
// publish tokens keep working without one.

#include "support/api.hpp"
#include "support/raw_client.hpp"
#include "support/server_test.hpp"
#include "support/token_mint.hpp"

using namespace jobcast::test;
using namespace std::chrono_literals;

namespace {

const std::string secret = "e2e-secret-of-at-least-thirty-two-bytes";

std::string token(const std::string& grants, long long exp_in = 600,
                  const std::string& alg = "HS256",
                  const std::string& key = secret) {
  return mint(alg, key,
              "{\"exp\":" + std::to_string(epoch_in(exp_in)) +
                  (grants.empty() ? "" : "," + grants) + "}");
}

/// May do everything.
std::string admin() {
  return token("\"jobcast.view\":\"*\",\"jobcast.start\":\"*\","
               "\"jobcast.cancel\":true");
}

header_list bearer(const std::string& t) {
  return {{"Authorization", "Bearer " + t}};
}

header_list cookie(const std::string& t) {
  return {{"Cookie", "theme=dark; jobcast_token=" + t}};
}

/// `target` with `?token=` (or `&token=`).
std::string with_query(const std::string& target, const std::string& t) {
  return target + (target.find('?') == std::string::npos ? "?" : "&") +
         "token=" + t;
}

class auth : public server_test {
protected:
  void start_with_key(std::vector<std::string> more = {}) {
    std::vector<std::string> args{"--demo.interval=100ms",
                                  "--auth.jwt-key=" + secret};
    args.insert(args.end(), more.begin(), more.end());
    start(args);
  }

  /// Starts a job of `kind` with `t`; its id.
  std::string start_as(const std::string& t, const std::string& kind) {
    auto h = bearer(t);
    h.emplace_back("Content-Type", "application/json");
    auto res =
        request(port(), "POST", "/api/jobs", h, "{\"kind\":\"" + kind + "\"}");
    EXPECT_EQ(res.status, 201u) << res.body;
    return id_of(res.body);
  }

  /// The status line of a WebSocket handshake to `target` with `extra`
  /// header lines (each ending in \r\n).
  std::string ws_status(const std::string& target, const std::string& extra) {
    raw_client c{port()};
    c.send("GET " + target +
           " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port()) +
           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Version: 13\r\n" +
           extra + "\r\n");
    auto answer = c.read_until("\r\n\r\n");
    return answer.substr(0, answer.find("\r\n"));
  }

  /// Checks that `t`, presented in each of the three ways, is refused with
  /// `code` on the text and SSE streams, the WebSocket, the JSON API and
  /// the live page of job `id`.
  void expect_refused(const std::string& t, unsigned code,
                      const std::string& id, const std::string& what) {
    std::string p = "/view-progress/" + id;
    std::string sse = "/jobs/" + id + "/events";
    std::string ws = "/jobs/" + id + "/ws";
    std::string api = "/api/jobs/" + id;
    auto challenge = code == 401 ? "error=\"invalid_token\""
                                 : "error=\"insufficient_scope\"";
    for (auto& target : {p, sse, api, p + "?format=html"}) {
      for (auto& res : {request(port(), "GET", target, bearer(t)),
                        request(port(), "GET", with_query(target, t)),
                        request(port(), "GET", target, cookie(t))}) {
        EXPECT_EQ(res.status, code) << what << ' ' << target << res.body;
        EXPECT_NE(res.header("www-authenticate").find(challenge),
                  std::string::npos)
            << what << ' ' << target << ": " << res.header("www-authenticate");
      }
    }
    auto api_res = request(port(), "GET", api, bearer(t));
    EXPECT_EQ(parse_object(api_res.body).at("error"),
              code == 401 ? "invalid token" : "forbidden")
        << what;
    auto status = "HTTP/1.1 " + std::to_string(code);
    EXPECT_EQ(ws_refusal(port(), with_query(ws, t)).status, code) << what;
    EXPECT_EQ(
        ws_status(ws, "Authorization: Bearer " + t + "\r\n").rfind(status, 0),
        0u)
        << what;
    EXPECT_EQ(
        ws_status(ws, "Cookie: jobcast_token=" + t + "\r\n").rfind(status, 0),
        0u)
        << what;
  }
};

} // namespace

TEST_F(auth, without_a_token_every_read_is_401_with_a_bearer_challenge) {
  start_with_key();
  auto id = start_as(admin(), "demo");
  for (std::string target : std::vector<std::string>{
           "/", "/view-progress/" + id, "/view-progress/" + id + "?format=html",
           "/jobs/" + id + "/events", "/api/jobs", "/api/jobs/" + id,
           "/metrics"}) {
    auto res = request(port(), "GET", target);
    EXPECT_EQ(res.status, 401u) << target;
    EXPECT_EQ(res.header("www-authenticate"), "Bearer realm=\"jobcast\"")
        << target;
  }
  auto api = request(port(), "GET", "/api/jobs/" + id);
  EXPECT_EQ(parse_object(api.body).at("error"), "unauthorized");
  EXPECT_EQ(ws_refusal(port(), "/jobs/" + id + "/ws").status, 401u);
  // Writes too.
  EXPECT_EQ(request(port(), "POST", "/api/jobs",
                    {{"Content-Type", "application/json"}},
                    "{\"kind\":\"demo\"}")
                .status,
            401u);
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/" + id).status, 401u);
  EXPECT_EQ(request(port(), "POST", "/", {}, "kind=demo").status, 401u);
  // What holds no job data stays open: the pages need their scripts.
  EXPECT_EQ(request(port(), "GET", "/healthz").status, 200u);
  EXPECT_EQ(request(port(), "GET", "/assets/view.js").status, 200u);
}

TEST_F(auth, malformed_tokens_are_401_everywhere) {
  start_with_key();
  auto id = start_as(admin(), "demo");
  expect_refused("not-a-jwt", 401, id, "malformed");
  expect_refused("a.b.c", 401, id, "three parts");
}

TEST_F(auth, a_wrong_signature_is_401_everywhere) {
  start_with_key();
  auto id = start_as(admin(), "demo");
  auto other = token("\"jobcast.view\":\"*\"", 600, "HS256",
                     "another-secret-of-at-least-thirty-two-bytes");
  expect_refused(other, 401, id, "wrong signature");
}

TEST_F(auth, alg_none_is_401_everywhere) {
  start_with_key();
  auto id = start_as(admin(), "demo");
  expect_refused(token("\"jobcast.view\":\"*\"", 600, "none", ""), 401, id,
                 "alg none");
}

TEST_F(auth, an_expired_token_is_401_everywhere) {
  start_with_key();
  auto id = start_as(admin(), "demo");
  auto expired = token("\"jobcast.view\":\"*\"", -5);
  expect_refused(expired, 401, id, "expired");
  auto res = request(port(), "GET", "/api/jobs/" + id, bearer(expired));
  EXPECT_NE(res.header("www-authenticate").find("the token has expired"),
            std::string::npos)
      << res.header("www-authenticate");
  // Without exp a token is refused as well.
  auto forever = mint("HS256", secret, "{\"jobcast.view\":\"*\"}");
  EXPECT_EQ(request(port(), "GET", "/api/jobs/" + id, bearer(forever)).status,
            401u);
}

TEST_F(auth, a_token_for_another_job_is_403_everywhere) {
  start_with_key();
  auto id = start_as(admin(), "demo");
  auto other = start_as(admin(), "demo");
  auto t = token("\"jobcast.view\":[" + other + "]");
  expect_refused(t, 403, id, "wrong job");
  // Listing every job needs "*".
  EXPECT_EQ(request(port(), "GET", "/api/jobs", bearer(t)).status, 403u);
  // The home page lists only the jobs the token may view.
  auto home = request(port(), "GET", "/", bearer(t));
  EXPECT_EQ(home.status, 200u);
  EXPECT_NE(home.body.find("/view-progress/" + other), std::string::npos);
  EXPECT_EQ(home.body.find("/view-progress/" + id + "\""), std::string::npos);
}

TEST_F(auth, a_token_for_another_kind_cannot_start_and_cancel_needs_its_claim) {
  start_with_key();
  auto noop_only = token("\"jobcast.start\":[\"noop\"]");
  auto h = bearer(noop_only);
  h.emplace_back("Content-Type", "application/json");
  auto refused = request(port(), "POST", "/api/jobs", h, "{\"kind\":\"demo\"}");
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(parse_object(refused.body).at("error"), "forbidden");
  EXPECT_NE(refused.header("www-authenticate").find("insufficient_scope"),
            std::string::npos);
  EXPECT_EQ(
      request(port(), "POST", "/api/jobs", h, "{\"kind\":\"noop\"}").status,
      201u);
  // The form, with the cookie.
  auto form = cookie(noop_only);
  form.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  EXPECT_EQ(request(port(), "POST", "/", form, "kind=demo").status, 403u);
  auto demo = cookie(token("\"jobcast.start\":[\"demo\"]"));
  demo.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  EXPECT_EQ(request(port(), "POST", "/", demo, "kind=demo").status, 303u);
  // No start claim at all: refused before the body.
  EXPECT_EQ(request(port(), "POST", "/api/jobs",
                    {{"Authorization", "Bearer " + token("")},
                     {"Content-Type", "application/json"}},
                    "{\"kind\":\"noop\"}")
                .status,
            403u);

  auto id = start_as(admin(), "external");
  auto other = start_as(admin(), "external");
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/" + id,
                    bearer(token("\"jobcast.view\":\"*\"")))
                .status,
            403u);
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/" + id,
                    bearer(token("\"jobcast.cancel\":[" + other + "]")))
                .status,
            403u);
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/" + id,
                    bearer(token("\"jobcast.cancel\":[" + id + "]")))
                .status,
            200u);
}

TEST_F(auth, the_right_token_works_on_every_transport_and_every_way) {
  start_with_key();
  auto t = token("\"jobcast.view\":\"*\"");
  auto id = start_as(admin(), "demo");
  std::string text = "/view-progress/" + id;
  std::string sse = "/jobs/" + id + "/events";
  auto lines = "Did something\nDid something else\nAll done\n";
  for (auto& [how, target, headers] :
       std::vector<std::tuple<std::string, std::string, header_list>>{
           {"bearer", text, bearer(t)},
           {"query", with_query(text, t), {}},
           {"cookie", text, cookie(t)}}) {
    stream s{port(), target, headers};
    ASSERT_EQ(s.status(), 200u) << how;
    std::string body;
    for (auto& chunk : s.rest(10s))
      body += chunk;
    EXPECT_EQ(body, lines) << how;
  }
  for (auto& [how, target, headers] :
       std::vector<std::tuple<std::string, std::string, header_list>>{
           {"bearer", sse, bearer(t)},
           {"query", with_query(sse, t), {}},
           {"cookie", sse, cookie(t)}}) {
    stream s{port(), target, headers};
    ASSERT_EQ(s.status(), 200u) << how;
    sse_reader r{s};
    auto events = r.rest(10s);
    ASSERT_FALSE(events.empty()) << how;
    EXPECT_EQ(events.back().type, "end") << how;
  }
  {
    ws_client ws{port(), with_query("/jobs/" + id + "/ws", t)};
    std::size_t frames = 0;
    while (ws.read(10s))
      ++frames;
    EXPECT_GE(frames, 4u);
    EXPECT_EQ(ws.close_code(), 1000);
  }
  EXPECT_EQ(
      ws_status("/jobs/" + id + "/ws", "Authorization: Bearer " + t + "\r\n"),
      "HTTP/1.1 101 Switching Protocols");
  EXPECT_EQ(
      ws_status("/jobs/" + id + "/ws", "Cookie: jobcast_token=" + t + "\r\n"),
      "HTTP/1.1 101 Switching Protocols");
  // A token for just this job is enough for its page and JSON.
  auto only = token("\"jobcast.view\":[" + id + "]");
  EXPECT_EQ(request(port(), "GET", "/api/jobs/" + id, bearer(only)).status,
            200u);
  EXPECT_EQ(request(port(), "GET", text + "?format=html", cookie(only)).status,
            200u);
  EXPECT_EQ(request(port(), "GET", "/api/jobs", bearer(t)).status, 200u);
  EXPECT_EQ(request(port(), "GET", "/metrics", bearer(only)).status, 200u);
}

TEST_F(auth, a_stream_ends_with_a_notice_when_its_token_expires) {
  start_with_key();
  // An external job never ends on its own.
  auto id = start_as(admin(), "external");
  // exp is in whole seconds: this one has one to two left.
  auto brief = token("\"jobcast.view\":\"*\"", 2);
  auto started = clock_type::now();
  stream text{port(), "/view-progress/" + id, bearer(brief)};
  stream sse{port(), "/jobs/" + id + "/events", bearer(brief)};
  ws_client ws{port(), with_query("/jobs/" + id + "/ws", brief)};
  ASSERT_EQ(text.status(), 200u);
  ASSERT_EQ(sse.status(), 200u);

  std::string body;
  for (auto& chunk : text.rest(5s))
    body += chunk;
  std::string farewell = "token expired: the access token has expired; "
                         "reconnect with a fresh one\n";
  ASSERT_GE(body.size(), farewell.size()) << body;
  EXPECT_EQ(body.substr(body.size() - farewell.size()), farewell);
  sse_reader r{sse};
  auto events = r.rest(5s);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, "expired");
  EXPECT_NE(events.back().data.find("token expired"), std::string::npos);
  while (ws.read(5s)) {
  }
  EXPECT_EQ(ws.close_code(), 4001);
  EXPECT_NE(ws.close_reason().find("expired"), std::string::npos);
  // Not before the token's time.
  EXPECT_GE(clock_type::now() - started, 900ms);
  // The job itself goes on.
  auto info = request(port(), "GET", "/api/jobs/" + id, bearer(admin()));
  EXPECT_EQ(parse_object(info.body).at("state"), "running");
}

TEST_F(auth, publish_tokens_work_without_an_access_token) {
  start_with_key();
  auto h = bearer(admin());
  h.emplace_back("Content-Type", "application/json");
  auto created =
      request(port(), "POST", "/api/jobs", h, "{\"kind\":\"external\"}");
  ASSERT_EQ(created.status, 201u);
  auto id = id_of(created.body);
  auto publish = token_of(created.body);
  auto res = request(
      port(), "POST", "/api/jobs/" + id + "/events",
      {{"Authorization", "Bearer " + publish}, {"Content-Type", "text/plain"}},
      "hello");
  EXPECT_EQ(res.status, 202u) << res.body;
  res = request(port(), "POST", "/api/jobs/" + id + "/finish",
                {{"Authorization", "Bearer " + publish},
                 {"Content-Type", "application/json"}},
                "{\"state\":\"succeeded\"}");
  EXPECT_EQ(res.status, 200u) << res.body;
  // An access token is no publish token.
  auto other = start_as(admin(), "external");
  EXPECT_EQ(request(port(), "POST", "/api/jobs/" + other + "/events",
                    {{"Authorization", "Bearer " + admin()},
                     {"Content-Type", "text/plain"}},
                    "hello")
                .status,
            403u);
}

TEST_F(auth, public_metrics_opens_only_metrics) {
  start_with_key({"--auth.public-metrics"});
  EXPECT_EQ(request(port(), "GET", "/metrics").status, 200u);
  EXPECT_EQ(request(port(), "GET", "/api/jobs").status, 401u);
}

TEST_F(auth, a_public_key_verifies_its_own_algorithm_and_not_hmac) {
  auto rsa = make_rsa_key();
  auto path = write_temp_file("jwt.pem", rsa.public_pem);
  start({"--demo.interval=100ms", "--auth.jwt-key=" + path});
  auto right = token("\"jobcast.view\":\"*\"", 600, "RS256", rsa.private_pem);
  EXPECT_EQ(request(port(), "GET", "/api/jobs", bearer(right)).status, 200u);
  // Algorithm confusion: HS256 keyed with the public key's PEM text.
  auto forged = token("\"jobcast.view\":\"*\"", 600, "HS256", rsa.public_pem);
  auto res = request(port(), "GET", "/api/jobs", bearer(forged));
  EXPECT_EQ(res.status, 401u);
  EXPECT_NE(res.body.find("HS256"), std::string::npos) << res.body;
}

TEST_F(auth, without_a_key_nothing_changes) {
  start();
  auto id = start_demo(port());
  EXPECT_EQ(request(port(), "GET", "/api/jobs/" + id).status, 200u);
  EXPECT_EQ(request(port(), "GET", "/metrics").status, 200u);
  // A token is simply ignored.
  EXPECT_EQ(
      request(port(), "GET", "/api/jobs/" + id, bearer("not-a-jwt")).status,
      200u);
}
