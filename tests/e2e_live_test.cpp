// Live views end to end: Server-Sent Events, WebSocket, content negotiation
// and the JSON job API, against a real jobcast process.

#include "support/api.hpp"
#include "support/server_test.hpp"

#include <boost/json.hpp>

using namespace jobcast::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

using live = server_test;

std::vector<std::uint64_t> seqs(const std::vector<sse_event>& events) {
  std::vector<std::uint64_t> result;
  for (auto& ev : events)
    result.push_back(ev.seq());
  return result;
}

/// Waits until the job is over (its SSE stream ends).
void await_end(std::uint16_t port, const std::string& id) {
  stream s{port, "/jobs/" + id + "/events"};
  sse_reader{s}.rest();
}

} // namespace

// -- Server-Sent Events ------------------------------------------------------

TEST_F(live, sse_frames_every_event_with_id_type_and_json) {
  start();
  auto id = start_job();
  stream s{port(), "/jobs/" + id + "/events"};
  ASSERT_EQ(s.status(), 200u);
  EXPECT_EQ(s.header("Content-Type"), "text/event-stream; charset=utf-8");
  EXPECT_EQ(s.header("Cache-Control"), "no-cache");
  sse_reader reader{s};
  auto events = reader.rest();
  EXPECT_EQ(reader.retry, "2000");
  ASSERT_EQ(events.size(), 4u);
  const char* texts[] = {"Did something", "Did something else", "All done"};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i].seq(), i + 1u);
    EXPECT_EQ(events[i].epoch(), events[0].epoch());
    EXPECT_EQ(events[i].type, "progress");
    auto data = parse_object(events[i].data);
    EXPECT_EQ(data.at("seq").as_int64(), i + 1);
    EXPECT_EQ(data.at("type").as_string(), "progress");
    EXPECT_EQ(data.at("text").as_string(), texts[i]);
    EXPECT_NEAR(data.at("progress").to_number<double>(), (i + 1) / 3.0, 1e-5);
    EXPECT_EQ(data.at("state").as_string(), "running");
    EXPECT_TRUE(data.at("time").is_string());
  }
  EXPECT_EQ(events[3].type, "end");
  auto end = parse_object(events[3].data);
  EXPECT_EQ(end.at("state").as_string(), "succeeded");
  EXPECT_EQ(end.at("type").as_string(), "end");
}

TEST_F(live, sse_resume_replays_exactly_the_events_after_the_given_id) {
  start({"--demo.interval=20ms"});
  auto id = start_job();
  await_end(port(), id);
  for (std::uint64_t after = 0; after <= 6; ++after) {
    std::vector<std::uint64_t> expected;
    for (std::uint64_t seq = after + 1; seq <= 4; ++seq)
      expected.push_back(seq);
    stream by_header{port(),
                     "/jobs/" + id + "/events",
                     {{"Last-Event-ID", std::to_string(after)}}};
    EXPECT_EQ(seqs(sse_reader{by_header}.rest()), expected) << after;
    stream by_query{port(), "/jobs/" + id + "/events?last-event-id=" +
                                std::to_string(after)};
    EXPECT_EQ(seqs(sse_reader{by_query}.rest()), expected) << after;
  }
}

TEST_F(live, sse_resume_mid_job_neither_duplicates_nor_skips) {
  start({"--demo.interval=200ms"});
  auto id = start_job();
  std::vector<std::uint64_t> seen;
  {
    stream first{port(), "/jobs/" + id + "/events"};
    sse_reader reader{first};
    auto ev = reader.next();
    ASSERT_TRUE(ev);
    seen.push_back(ev->seq());
    first.abandon(); // The connection drops mid-job.
  }
  stream second{port(),
                "/jobs/" + id + "/events",
                {{"Last-Event-ID", std::to_string(seen.back())}}};
  for (auto seq : seqs(sse_reader{second}.rest()))
    seen.push_back(seq);
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2, 3, 4}));
}

TEST_F(live, sse_sends_heartbeat_comments_while_idle) {
  start({"--demo.interval=10s", "--sse.heartbeat=50ms"});
  auto id = start_job();
  stream s{port(), "/jobs/" + id + "/events"};
  // Heartbeats arrive long before the first event. Neither they nor the
  // `retry:` field end a block: a blank line would be an empty message.
  EXPECT_EQ(s.next_chunk(2s), std::optional<std::string>{"retry: 2000\n"});
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(s.next_chunk(2s), std::optional<std::string>{": heartbeat\n"});
}

TEST_F(live, sse_for_an_unknown_job_is_404) {
  start();
  EXPECT_EQ(request(port(), "GET", "/jobs/5/events").status, 404u);
  EXPECT_EQ(request(port(), "GET", "/jobs/x/events").status, 404u);
  EXPECT_EQ(request(port(), "POST", "/jobs/1/events").status, 405u);
}

// -- WebSocket ---------------------------------------------------------------

TEST_F(live, ws_sends_one_json_frame_per_event_then_closes_normally) {
  start();
  auto id = start_job();
  ws_client ws{port(), "/jobs/" + id + "/ws"};
  std::vector<json::object> frames;
  while (auto frame = ws.read())
    frames.push_back(parse_object(*frame));
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(frames[0].at("text").as_string(), "Did something");
  EXPECT_EQ(frames[0].at("type").as_string(), "progress");
  EXPECT_EQ(frames[0].at("seq").as_int64(), 1);
  EXPECT_EQ(frames[3].at("type").as_string(), "end");
  EXPECT_EQ(frames[3].at("state").as_string(), "succeeded");
  EXPECT_EQ(ws.close_code(), 1000);
}

TEST_F(live, ws_frames_match_sse_data) {
  start({"--demo.interval=20ms"});
  auto id = start_job();
  await_end(port(), id);
  stream s{port(), "/jobs/" + id + "/events"};
  auto events = sse_reader{s}.rest();
  ws_client ws{port(), "/jobs/" + id + "/ws"};
  for (auto& ev : events)
    EXPECT_EQ(ws.read(), ev.data);
}

TEST_F(live, ws_resumes_after_last_event_id) {
  start({"--demo.interval=20ms"});
  auto id = start_job();
  await_end(port(), id);
  ws_client ws{port(), "/jobs/" + id + "/ws?last-event-id=2"};
  std::vector<std::int64_t> got;
  while (auto frame = ws.read())
    got.push_back(parse_object(*frame).at("seq").as_int64());
  EXPECT_EQ(got, (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(ws.close_code(), 1000);
}

TEST_F(live, ws_closes_1003_on_binary_and_1007_on_malformed_text) {
  start({"--demo.interval=10s"});
  auto id = start_job();
  {
    ws_client ws{port(), "/jobs/" + id + "/ws"};
    ws.send_binary("\x01\x02");
    EXPECT_FALSE(ws.read());
    EXPECT_EQ(ws.close_code(), 1003);
    EXPECT_FALSE(ws.close_reason().empty());
  }
  {
    ws_client ws{port(), "/jobs/" + id + "/ws"};
    ws.send_text("not json");
    EXPECT_FALSE(ws.read());
    EXPECT_EQ(ws.close_code(), 1007);
    EXPECT_FALSE(ws.close_reason().empty());
  }
  // Well-formed messages are fine and the stream goes on.
  ws_client ws{port(), "/jobs/" + id + "/ws"};
  ws.send_text(R"({"hello":1})");
  EXPECT_EQ(metric(port(), "jobcast_subscriber_actors"), 1);
}

namespace {

std::string ws_upgrade(const std::string& id) {
  return "GET /jobs/" + id +
         "/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
         "Connection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
         "Sec-WebSocket-Version: 13\r\n\r\n";
}

/// A client frame with a short payload, masked unless told otherwise.
std::string ws_client_frame(std::uint8_t first, const std::string& payload,
                            bool masked = true) {
  std::string out;
  out += static_cast<char>(first);
  out += static_cast<char>((masked ? 0x80 : 0) | payload.size());
  const char key[4] = {0x0a, 0x0b, 0x0c, 0x0d};
  if (masked)
    out.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out += masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i];
  return out;
}

} // namespace

TEST_F(live, ws_answers_pings_and_completes_the_closing_handshake) {
  start({"--demo.interval=10s"});
  auto id = start_job();
  // The frames arrive right behind the handshake, in the same packet.
  auto got =
      raw_exchange(port(), ws_upgrade(id) + ws_client_frame(0x89, "hello") +
                               ws_client_frame(0x88, "\x0f\xa0"));
  EXPECT_EQ(got.rfind("HTTP/1.1 101", 0), 0u) << got;
  auto pong = got.find(std::string("\x8a\x05hello", 7));
  // The client's close code (4000) comes back.
  auto close = got.find(std::string("\x88\x02\x0f\xa0", 4));
  ASSERT_NE(pong, std::string::npos) << got;
  ASSERT_NE(close, std::string::npos) << got;
  EXPECT_LT(pong, close);
  // raw_exchange returned because the server closed the connection.
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_subscriber_actors") == 0; }));
}

TEST_F(live, ws_closes_1002_on_an_unmasked_client_frame) {
  start({"--demo.interval=10s"});
  auto id = start_job();
  auto begin = std::chrono::steady_clock::now();
  auto got =
      raw_exchange(port(), ws_upgrade(id) + ws_client_frame(0x81, "{}", false) +
                               ws_client_frame(0x88, "\x03\xe8"));
  auto close = got.find(std::string("\x03\xea", 2));
  // Failed at once, without waiting for the client's close (RFC 6455 7.1.7).
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
  ASSERT_NE(close, std::string::npos) << got;
  EXPECT_EQ(got[close - 2], '\x88') << "a close frame carries the code";
}

TEST_F(live, ws_fails_a_close_with_code_0_with_1002) {
  start({"--demo.interval=10s"});
  auto id = start_job();
  // RFC 6455 7.4: 0 is no code a peer may send; it is not echoed as 1000.
  auto got = raw_exchange(
      port(), ws_upgrade(id) + ws_client_frame(0x88, std::string(2, '\0')));
  auto close = got.find(std::string("\x03\xea", 2));
  ASSERT_NE(close, std::string::npos) << got;
  EXPECT_EQ(got[close - 2], '\x88') << "a close frame carries the code";
  EXPECT_EQ(got.find(std::string("\x03\xe8", 2)), std::string::npos) << got;
}

TEST_F(live, ws_pings_a_quiet_client_and_drops_it_when_it_never_answers) {
  start({"--demo.interval=10s", "--sse.heartbeat=100ms"});
  auto id = start_job();
  // This client never answers: the server pings it and then gives up.
  auto begin = std::chrono::steady_clock::now();
  auto got = raw_exchange(port(), ws_upgrade(id), 10s);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
  EXPECT_NE(got.find(std::string("\x89\x00", 2)), std::string::npos) << got;
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_subscriber_actors") == 0; }));
}

TEST_F(live, ws_takes_client_messages_up_to_64_kib_and_no_more) {
  start({"--demo.interval=200ms"});
  auto id = start_job();
  auto message = [](std::size_t size) {
    std::string text = R"({"x":")";
    return text + std::string(size - text.size() - 2, 'a') + R"("})";
  };
  {
    ws_client ws{port(), "/jobs/" + id + "/ws"};
    // Exactly the limit: its frame (with header) is larger than 64 KiB.
    ws.send_text(message(65536));
    std::size_t frames = 0;
    while (ws.read())
      ++frames;
    EXPECT_EQ(frames, 4u);
    EXPECT_EQ(ws.close_code(), 1000);
  }
  // Over the limit, on a job that is still running.
  ws_client ws{port(), "/jobs/" + start_job() + "/ws"};
  ws.send_text(message(65537));
  while (ws.read()) {
  }
  EXPECT_EQ(ws.close_code(), 1009);
}

TEST_F(live, ws_refuses_unknown_jobs_and_plain_requests) {
  start();
  auto refused = ws_refusal(port(), "/jobs/9/ws");
  EXPECT_EQ(refused.status, 404u);
  auto id = start_job();
  auto plain = request(port(), "GET", "/jobs/" + id + "/ws");
  EXPECT_EQ(plain.status, 426u);
  // RFC 9110 15.5.22: a 426 says which protocol to upgrade to.
  EXPECT_EQ(plain.header("upgrade"), "websocket");
  EXPECT_EQ(plain.header("connection"), "Upgrade");
}

// -- content negotiation -----------------------------------------------------

TEST_F(live, view_progress_serves_the_live_page_to_browsers_only) {
  start();
  auto id = start_job();
  const std::string browser =
      "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
  auto page =
      request(port(), "GET", "/view-progress/" + id, {{"Accept", browser}});
  EXPECT_EQ(page.status, 200u);
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page.header("content-security-policy").find("default-src 'self'"),
            std::string::npos);
  EXPECT_NE(page.body.find("/assets/view.js"), std::string::npos);
  // ?format=text wins over Accept; curl's */* gets text.
  stream forced{
      port(), "/view-progress/" + id + "?format=text", {{"Accept", browser}}};
  EXPECT_EQ(forced.header("Content-Type"), "text/plain; charset=utf-8");
  stream curl_like{port(), "/view-progress/" + id, {{"Accept", "*/*"}}};
  EXPECT_EQ(curl_like.header("Content-Type"), "text/plain; charset=utf-8");
  // A browser asking for an unknown job gets a 404, not a page that waits.
  EXPECT_EQ(
      request(port(), "GET", "/view-progress/77", {{"Accept", browser}}).status,
      404u);
}

TEST_F(live, the_live_page_names_its_job_before_any_script_runs) {
  start();
  auto res = request(
      port(), "POST", "/api/jobs", {{"Content-Type", "application/json"}},
      R"({"kind":"external","title":"<b>nightly</b> & \"more\""})");
  ASSERT_EQ(res.status, 201u);
  auto id = std::to_string(parse_object(res.body).at("id").as_int64());
  auto page = request(port(), "GET", "/view-progress/" + id + "?format=html");
  ASSERT_EQ(page.status, 200u);
  // The id, kind, title (escaped) and current state are in the HTML itself.
  EXPECT_NE(page.body.find("<h1 id=\"heading\">Job " + id + "</h1>"),
            std::string::npos);
  EXPECT_NE(page.body.find("<title>Job " + id + " (running)"),
            std::string::npos);
  EXPECT_NE(page.body.find(">external</span>"), std::string::npos);
  EXPECT_NE(page.body.find("&lt;b&gt;nightly&lt;/b&gt; &amp; &quot;more&quot;"),
            std::string::npos);
  EXPECT_EQ(page.body.find("<b>nightly"), std::string::npos);
  EXPECT_NE(page.body.find("data-state=\"running\""), std::string::npos);
  EXPECT_EQ(page.body.find("<!--"), std::string::npos) << "unfilled marker";
  // Once it ends, a fresh page says so.
  request(port(), "DELETE", "/api/jobs/" + id);
  auto ended = request(port(), "GET", "/view-progress/" + id + "?format=html");
  EXPECT_NE(ended.body.find("<title>Job " + id + " (cancelled)"),
            std::string::npos);
}

// -- JSON API ----------------------------------------------------------------

TEST_F(live, api_creates_shows_and_lists_jobs) {
  start({"--demo.interval=10s"});
  auto res = request(port(), "POST", "/api/jobs",
                     {{"Content-Type", "application/json"}},
                     R"({"kind":"demo","title":"nightly <import>"})");
  ASSERT_EQ(res.status, 201u);
  EXPECT_EQ(res.header("content-type"), "application/json");
  EXPECT_EQ(res.header("location"), "/api/jobs/1");
  auto job = parse_object(res.body);
  EXPECT_EQ(job.at("id").as_int64(), 1);
  EXPECT_EQ(job.at("kind").as_string(), "demo");
  EXPECT_EQ(job.at("title").as_string(), "nightly <import>");
  EXPECT_EQ(job.at("state").as_string(), "running");
  for (auto key :
       {"progress", "created", "started", "finished", "events", "subscribers"})
    EXPECT_TRUE(job.contains(key)) << key;
  start_demo(port());
  start_demo(port());
  stream viewer{port(), "/view-progress/2"};
  auto shown = request(port(), "GET", "/api/jobs/2");
  EXPECT_EQ(shown.status, 200u);
  EXPECT_EQ(parse_object(shown.body).at("subscribers").as_int64(), 1);
  auto list = parse_object(request(port(), "GET", "/api/jobs").body);
  EXPECT_EQ(list.at("total").as_int64(), 3);
  auto& jobs = list.at("jobs").as_array();
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].at("id").as_int64(), 3); // Newest first.
  EXPECT_EQ(jobs[2].at("id").as_int64(), 1);
  auto page =
      parse_object(request(port(), "GET", "/api/jobs?limit=1&offset=1").body);
  ASSERT_EQ(page.at("jobs").as_array().size(), 1u);
  EXPECT_EQ(page.at("jobs").as_array()[0].at("id").as_int64(), 2);
  EXPECT_EQ(page.at("total").as_int64(), 3);
}

TEST_F(live, api_filters_by_state) {
  start({"--demo.interval=10s"});
  start_demo(port());
  auto cancelled = start_demo(port());
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/" + cancelled).status, 200u);
  auto running =
      parse_object(request(port(), "GET", "/api/jobs?state=running").body);
  ASSERT_EQ(running.at("jobs").as_array().size(), 1u);
  EXPECT_EQ(running.at("jobs").as_array()[0].at("id").as_int64(), 1);
  auto gone =
      parse_object(request(port(), "GET", "/api/jobs?state=cancelled").body);
  ASSERT_EQ(gone.at("jobs").as_array().size(), 1u);
  EXPECT_EQ(gone.at("jobs").as_array()[0].at("id").as_int64(), 2);
}

TEST_F(live, api_rejects_bad_input_with_json_errors) {
  start();
  struct bad_case {
    const char* method;
    const char* target;
    const char* body;
    unsigned status;
  };
  for (auto c : {bad_case{"POST", "/api/jobs", "{not json", 400},
                 bad_case{"POST", "/api/jobs", "[1,2]", 400},
                 bad_case{"POST", "/api/jobs", R"({"kind":"nope"})", 400},
                 bad_case{"POST", "/api/jobs", R"({"kind":5})", 400},
                 bad_case{"POST", "/api/jobs", R"({"kind":"demo","x":1})", 400},
                 bad_case{"POST", "/api/jobs", R"({"title":[]})", 400},
                 bad_case{"GET", "/api/jobs?state=sleeping", "", 400},
                 bad_case{"GET", "/api/jobs?limit=0", "", 400},
                 // Echoed back in the detail: must still be valid JSON.
                 bad_case{"GET", "/api/jobs?state=%FF%FE", "", 400},
                 bad_case{"GET", "/api/jobs/12", "", 404},
                 bad_case{"DELETE", "/api/jobs/12", "", 404},
                 bad_case{"GET", "/api/nothing", "", 404},
                 bad_case{"PUT", "/api/jobs", "", 405}}) {
    auto res = request(port(), c.method, c.target,
                       {{"Content-Type", "application/json"}}, c.body);
    EXPECT_EQ(res.status, c.status)
        << c.method << ' ' << c.target << ' ' << c.body;
    if (c.status == 405)
      continue;
    EXPECT_EQ(res.header("content-type"), "application/json") << c.target;
    auto err = parse_object(res.body);
    EXPECT_TRUE(err.at("error").is_string()) << res.body;
    EXPECT_TRUE(err.at("detail").is_string()) << res.body;
  }
}

TEST_F(live, cancel_ends_every_view_and_conflicts_afterwards) {
  start({"--demo.interval=10s"});
  auto id = start_demo(port());
  stream text{port(), "/view-progress/" + id};
  stream sse{port(), "/jobs/" + id + "/events"};
  ws_client ws{port(), "/jobs/" + id + "/ws"};
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_subscriber_actors") == 3; }));
  auto res = request(port(), "DELETE", "/api/jobs/" + id);
  ASSERT_EQ(res.status, 200u);
  EXPECT_EQ(parse_object(res.body).at("state").as_string(), "cancelled");
  EXPECT_EQ(text.rest(), std::vector<std::string>{"cancelled\n"});
  auto events = sse_reader{sse}.rest();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "end");
  EXPECT_EQ(parse_object(events[0].data).at("state").as_string(), "cancelled");
  auto frame = ws.read();
  ASSERT_TRUE(frame);
  EXPECT_EQ(parse_object(*frame).at("state").as_string(), "cancelled");
  EXPECT_FALSE(ws.read());
  EXPECT_EQ(ws.close_code(), 1000);
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/" + id).status, 409u);
}

// -- home page ---------------------------------------------------------------

TEST_F(live, home_page_lists_recent_jobs_with_links) {
  start({"--demo.interval=10s"});
  start_demo(port());
  start_demo(port());
  auto page = request(port(), "GET", "/");
  EXPECT_NE(page.body.find("<a href=\"/view-progress/1\">1</a>"),
            std::string::npos);
  EXPECT_NE(page.body.find("<a href=\"/view-progress/2\">2</a>"),
            std::string::npos);
  EXPECT_LT(page.body.find("/view-progress/2"),
            page.body.find("/view-progress/1")); // Newest first.
  EXPECT_NE(page.body.find("running"), std::string::npos);
  EXPECT_NE(page.body.find("<option value=\"demo\">"), std::string::npos);
}
