// Limits, faults and leaks end to end: a real jobcast process against
// clients that are slow, broken, greedy or gone.

#include "support/api.hpp"
#include "support/raw_client.hpp"
#include "support/server_test.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <functional>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace jobcast::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

using hardening = server_test;

} // namespace

// -- limits ------------------------------------------------------------------

TEST_F(hardening, connections_past_the_limit_get_503_and_no_actor) {
  start({"--limits.max-connections=4"});
  std::vector<raw_client> held;
  for (int i = 0; i < 4; ++i) {
    held.emplace_back(port());
    held.back().send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    EXPECT_NE(held.back().read_until("</html>").find("200 OK"),
              std::string::npos);
  }
  raw_client extra{port()};
  extra.send("GET /view-progress/1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
  auto answer = extra.read_until("");
  EXPECT_EQ(answer.rfind("HTTP/1.1 503 Service Unavailable", 0), 0u) << answer;
  EXPECT_NE(answer.find("Retry-After: 1"), std::string::npos);
  held.clear();
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_connections_open") == 1; }));
  EXPECT_EQ(metric(port(), "jobcast_subscriber_actors"), 0);
}

TEST_F(hardening, oldest_finished_jobs_are_evicted_running_ones_never) {
  start({"--limits.max-retained-jobs=2", "--workers=8"});
  auto running = id_of(api_start(port(), R"({"kind":"external"})"));
  std::vector<std::string> done;
  for (int i = 0; i < 3; ++i) {
    done.push_back(id_of(api_start(port(), R"({"kind":"noop"})")));
    ASSERT_TRUE(eventually([&] {
      return parse_object(
                 request(port(), "GET", "/api/jobs/" + done.back()).body)
                 .at("state") == "succeeded";
    }));
  }
  EXPECT_TRUE(eventually([&] {
    return request(port(), "GET", "/api/jobs/" + done[0]).status == 404;
  }));
  EXPECT_EQ(request(port(), "GET", "/api/jobs/" + done[1]).status, 200u);
  EXPECT_EQ(request(port(), "GET", "/api/jobs/" + done[2]).status, 200u);
  EXPECT_EQ(request(port(), "GET", "/api/jobs/" + running).status, 200u);
}

TEST_F(hardening, viewers_past_the_per_job_limit_get_503) {
  start({"--limits.max-subscribers-per-job=2", "--demo.interval=10s"});
  auto id = id_of(api_start(port(), R"({"kind":"demo"})"));
  stream a{port(), "/view-progress/" + id};
  stream b{port(), "/jobs/" + id + "/events"};
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_subscriber_actors") == 2; }));
  for (auto target : {"/view-progress/" + id, "/jobs/" + id + "/events"}) {
    auto res = request(port(), "GET", target);
    EXPECT_EQ(res.status, 503u) << target;
    EXPECT_EQ(res.header("retry-after"), "1");
  }
  EXPECT_EQ(ws_refusal(port(), "/jobs/" + id + "/ws").status, 503u);
  // The turned-away viewers left nothing behind.
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_subscriber_actors") == 2; }));
}

TEST_F(hardening, history_keeps_the_newest_events_and_marks_the_gap) {
  start({"--limits.max-events-per-job=3"});
  auto body = api_start(port(), R"({"kind":"external"})");
  auto id = id_of(body);
  auto res = request(port(), "POST", "/api/jobs/" + id + "/events",
                     {{"Authorization", "Bearer " + token_of(body)},
                      {"Content-Type", "text/plain"}},
                     "e1\ne2\ne3\ne4\ne5\n");
  EXPECT_EQ(res.body, "{\"seqs\":[1,2,3,4,5]}\n");
  request(port(), "POST", "/api/jobs/" + id + "/finish",
          {{"Authorization", "Bearer " + token_of(body)}}, "{}");
  // Events 1-3 are gone (the end event is the 6th and counts too).
  stream all{port(), "/jobs/" + id + "/events"};
  auto events = sse_reader{all}.rest();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].type, "gap");
  EXPECT_EQ(events[0].seq(), 3u);
  EXPECT_NE(parse_object(events[0].data)
                .at("text")
                .as_string()
                .find("3 earlier events were dropped"),
            std::string::npos);
  EXPECT_EQ(events[1].seq(), 4u);
  EXPECT_EQ(events[3].type, "end");
  // A client that already has everything up to 4 sees no gap.
  stream resumed{port(), "/jobs/" + id + "/events", {{"Last-Event-ID", "4"}}};
  auto rest = sse_reader{resumed}.rest();
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].seq(), 5u);
}

TEST_F(hardening, slow_senders_get_408_and_idle_connections_close) {
  start({"--http.read-timeout=300ms"});
  raw_client slow{port()};
  slow.send("GET / HTTP/1.1\r\nHost: localhost\r\n"); // ...and nothing more.
  auto answer = slow.read_until("", 5s);
  EXPECT_EQ(answer.rfind("HTTP/1.1 408 Request Timeout", 0), 0u) << answer;
  raw_client idle{port()};
  auto before = clock_type::now();
  EXPECT_EQ(idle.read_until("", 5s), ""); // Closed without a word.
  EXPECT_LT(clock_type::now() - before, 4s);
}

TEST_F(hardening, malformed_http_is_answered_400_and_reaches_no_actor) {
  start();
  for (auto raw :
       {std::string{"GET / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: "
                    "chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"},
        std::string{"POST /api/jobs HTTP/1.1\r\nHost: localhost\r\n"
                    "Content-Length: 5\r\nTransfer-Encoding: "
                    "chunked\r\n\r\n"},
        std::string{
            "GET / HTTP/1.1\r\nHost: localhost\r\nX-Evil: a\rb\r\n\r\n"},
        std::string{"GET / HTTP/1.1\r\nBad Header Name: x\r\n\r\n"},
        std::string{"GET /\x01 HTTP/1.1\r\nHost: localhost\r\n\r\n"},
        std::string{"GET / HTTP/9.9\r\nHost: localhost\r\n\r\n"}}) {
    raw_client s{port()};
    s.send(raw);
    auto answer = s.read_until("");
    EXPECT_EQ(answer.rfind("HTTP/1.1 400 Bad Request", 0), 0u) << raw;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << raw;
  }
  EXPECT_EQ(metric(port(), "jobcast_jobs_started_total"), 0);
}

TEST_F(hardening, every_response_carries_nosniff_and_a_csp) {
  start();
  auto id = id_of(api_start(port(), R"({"kind":"demo"})"));
  for (std::string target :
       {std::string{"/"}, std::string{"/assets/view.js"}, std::string{"/nope"},
        std::string{"/api/jobs"}, "/api/jobs/" + id, std::string{"/metrics"},
        std::string{"/healthz"}}) {
    auto res = request(port(), "GET", target);
    EXPECT_EQ(res.header("x-content-type-options"), "nosniff") << target;
    EXPECT_NE(res.header("content-security-policy").find("default-src 'self'"),
              std::string::npos)
        << target;
  }
}

TEST_F(hardening, streams_carry_nosniff_and_a_csp_too) {
  start({"--demo.interval=10s"});
  auto id = id_of(api_start(port(), R"({"kind":"demo"})"));
  for (auto target : {"/view-progress/" + id, "/jobs/" + id + "/events"}) {
    stream s{port(), target};
    EXPECT_EQ(s.header("X-Content-Type-Options"), "nosniff") << target;
    EXPECT_NE(s.header("Content-Security-Policy").find("default-src 'self'"),
              std::string::npos)
        << target;
  }
}

TEST_F(hardening, the_form_starts_only_what_the_page_offers) {
  start();
  auto res = request(port(), "POST", "/",
                     {{"Content-Type", "application/x-www-form-urlencoded"}},
                     "kind=external");
  EXPECT_EQ(res.status, 400u);
  EXPECT_EQ(res.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(request(port(), "POST", "/",
                    {{"Content-Type", "application/x-www-form-urlencoded"}},
                    "kind=nope")
                .status,
            400u);
  EXPECT_EQ(metric(port(), "jobcast_jobs_started_total"), 0);
}

TEST_F(hardening, pages_escape_what_jobs_and_users_wrote) {
  start();
  api_start(port(),
            R"({"kind":"external","title":"<script>alert('x')</script>&"})");
  auto page = request(port(), "GET", "/").body;
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"),
            std::string::npos);
}

// -- observability -----------------------------------------------------------

TEST_F(hardening, healthz_and_metrics_report_the_state_of_things) {
  start({"--demo.interval=10s"});
  auto health = request(port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(health.body, "ok\n");
  auto id = id_of(api_start(port(), R"({"kind":"demo"})"));
  api_start(port(), R"({"kind":"noop"})");
  stream viewer{port(), "/jobs/" + id + "/events"};
  ASSERT_EQ(viewer.status(), 200u);
  EXPECT_TRUE(eventually([&] {
    return metric(port(), "jobcast_jobs{state=\"succeeded\"}") == 1 &&
           metric(port(), "jobcast_jobs{state=\"running\"}") == 1;
  }));
  EXPECT_EQ(metric(port(), "jobcast_streams_open{transport=\"sse\"}"), 1);
  EXPECT_GT(metric(port(), "jobcast_actors_running"), 3);
  EXPECT_GT(metric(port(), "jobcast_http_responses_total{class=\"2xx\"}"), 3);
  request(port(), "GET", "/nope");
  EXPECT_GE(metric(port(), "jobcast_http_responses_total{class=\"4xx\"}"), 1);
}

// -- slow viewers
// --------------------------------------------------------------

TEST_F(hardening, a_websocket_client_flooding_pings_cannot_grow_the_server) {
  start({"--limits.subscriber-buffer=65536"});
  auto id = id_of(api_start(port(), R"({"kind":"external"})"));
  raw_client flood{port()};
  flood.send("GET /jobs/" + id +
             "/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Version: 13\r\n\r\n");
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_subscriber_actors") == 1; }));
  // A masked ping with 120 bytes of payload (mask 0: the payload as is).
  std::string ping = "\x89\xf8";
  ping += std::string(4, '\0') + std::string(120, 'p');
  std::string burst;
  for (int i = 0; i < 1000; ++i)
    burst += ping;
  // 200,000 pings, 24 MB of pongs (more than any socket buffers hold), and
  // the client reads none of them.
  double most_queued = 0;
  for (int i = 0; i < 200; ++i) {
    flood.send(burst);
    if (i % 10 == 9)
      most_queued =
          std::max(most_queued, metric(port(), "jobcast_stream_queued_bytes"));
  }
  EXPECT_TRUE(eventually([&] {
    most_queued =
        std::max(most_queued, metric(port(), "jobcast_stream_queued_bytes"));
    return most_queued > 0;
  }));
  // Pongs stop at the allowance (plus the one that crossed it).
  EXPECT_LT(most_queued, 65536 + 256);
}

TEST_F(hardening, a_stalled_viewer_is_dropped_without_slowing_the_others) {
  start({"--limits.subscriber-buffer=1048576"});
  auto body = api_start(port(), R"({"kind":"external"})");
  auto id = id_of(body);
  auto token = token_of(body);
  // One viewer subscribes and then reads nothing; another reads everything.
  raw_client stalled{port()};
  stalled.send("GET /jobs/" + id +
               "/events HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_subscriber_actors") == 1; }));
  std::atomic<std::size_t> lines{0};
  std::thread reader{[&] {
    stream s{port(), "/view-progress/" + id};
    while (auto chunk = s.next_chunk(30s))
      lines += std::count(chunk->begin(), chunk->end(), '\n');
  }};
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_subscriber_actors") == 2; }));
  // 40 MB in 60 kB events: far more than the stalled client's socket
  // buffers and its 1 MiB allowance can hold.
  const std::string text(60 * 1024, 'x');
  double most_queued = 0;
  for (std::size_t i = 0; i < 680; ++i) {
    // The reader stays within 8 events (480 kB) of the publisher, so that
    // on a loaded machine it is never too slow itself; were the stalled
    // viewer holding up the job, the reader would stop and this wait fail.
    ASSERT_TRUE(eventually([&] { return lines + 8 >= i; })) << i;
    if (i % 20 == 0)
      most_queued =
          std::max(most_queued, metric(port(), "jobcast_stream_queued_bytes"));
    ASSERT_EQ(request(port(), "POST", "/api/jobs/" + id + "/events",
                      {{"Authorization", "Bearer " + token},
                       {"Content-Type", "text/plain"}},
                      text)
                  .status,
              202u);
  }
  request(port(), "POST", "/api/jobs/" + id + "/finish",
          {{"Authorization", "Bearer " + token}}, "{}");
  reader.join();
  // The reader got every event although the other viewer never read one.
  EXPECT_EQ(lines.load(), 680u);
  EXPECT_EQ(metric(port(), "jobcast_slow_subscriber_disconnects_total"), 1);
  // What the server held for its viewers never grew past the allowance
  // (plus one event and the notice): the 40 MB live once, in the history.
  EXPECT_GT(most_queued, 0);
  EXPECT_LT(most_queued, 2 * 1048576 + 2 * 70 * 1024);
  EXPECT_LT(metric(port(), "jobcast_stream_queued_bytes"), 1048576 + 4096);
  // When it finally reads, it finds the notice, then the end of the stream.
  auto got = stalled.read_until("0\r\n\r\n", 10s);
  EXPECT_NE(got.find("event: overflow"), std::string::npos);
  // And it resumes, by Last-Event-ID, without a gap.
  auto last_id = got.rfind("\nid: ");
  ASSERT_NE(last_id, std::string::npos);
  sse_event last;
  last.id = got.substr(last_id + 5, got.find('\n', last_id + 5) - last_id - 5);
  stream resumed{
      port(), "/jobs/" + id + "/events", {{"Last-Event-ID", last.id}}};
  auto next = sse_reader{resumed}.next();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->seq(), last.seq() + 1);
}

TEST_F(hardening, a_viewer_that_stops_reading_on_a_quiet_job_is_let_go) {
  // Far more than the kernel buffers hold, far less than the allowance: the
  // slow-viewer rule never fires, and the job then goes quiet.
  start({"--limits.subscriber-buffer=67108864", "--http.write-timeout=2s"});
  auto body = api_start(port(), R"({"kind":"external"})");
  auto id = id_of(body);
  auto token = token_of(body);
  raw_client stalled{port(), 4096};
  stalled.send("GET /jobs/" + id +
               "/events HTTP/1.1\r\nHost: localhost\r\n\r\n");
  ASSERT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_subscriber_actors") == 1; }));
  std::vector<std::string> got;
  std::thread reader{[&] {
    stream s{port(), "/jobs/" + id + "/events"};
    for (auto& ev : sse_reader{s}.rest(30s))
      got.push_back(ev.type);
  }};
  // However the test ends (a failed ASSERT returns early), the job ends
  // first, so that the reader sees its end and can be joined.
  auto finish = [&] {
    request(port(), "POST", "/api/jobs/" + id + "/finish",
            {{"Authorization", "Bearer " + token}}, "{}");
  };
  struct joiner {
    std::thread& t;
    std::function<void()> finish;
    ~joiner() {
      if (!t.joinable())
        return;
      finish();
      t.join();
    }
  } join_reader{reader, finish};
  ASSERT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_subscriber_actors") == 2; }));
  const std::string text(60 * 1024, 'x');
  for (int i = 0; i < 100; ++i) // 6 MB
    ASSERT_EQ(request(port(), "POST", "/api/jobs/" + id + "/events",
                      {{"Authorization", "Bearer " + token},
                       {"Content-Type", "text/plain"}},
                      text)
                  .status,
              202u);
  auto quiet_since = clock_type::now();
  // Bytes wait for the stalled viewer, and its socket takes none of them.
  EXPECT_GT(metric(port(), "jobcast_stream_queued_bytes"), 1024 * 1024);
  ASSERT_TRUE(eventually(
      [&] {
        return metric(port(), "jobcast_stream_write_timeouts_total") >= 1;
      },
      30s))
      << "queued bytes " << metric(port(), "jobcast_stream_queued_bytes")
      << ", subscribers " << metric(port(), "jobcast_subscriber_actors");
  // Only the stalled viewer: the reading one is never let go.
  EXPECT_EQ(metric(port(), "jobcast_stream_write_timeouts_total"), 1);
  // The write timeout plus slack for a loaded machine.
  EXPECT_LT(clock_type::now() - quiet_since, 2s + 8s);
  // Its subscriber actor is gone; the reading viewer's stays.
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_subscriber_actors") == 1; }));
  EXPECT_LT(metric(port(), "jobcast_stream_queued_bytes"), 1024 * 1024);
  finish();
  reader.join();
  ASSERT_EQ(got.size(), 101u);
  EXPECT_EQ(got.back(), "end");
}

// -- faults
// --------------------------------------------------------------------

TEST_F(hardening, sigterm_tells_every_stream_and_exits_zero) {
  start({"--demo.interval=10s"});
  auto id = id_of(api_start(port(), R"({"kind":"demo"})"));
  stream sse{port(), "/jobs/" + id + "/events"};
  ws_client ws{port(), "/jobs/" + id + "/ws"};
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_subscriber_actors") == 2; }));
  // The clients keep reading, as browsers would.
  std::vector<sse_event> events;
  std::optional<std::string> frame = "unset";
  std::thread readers[] = {
      std::thread{[&] { events = sse_reader{sse}.rest(); }},
      std::thread{[&] { frame = ws.read(); }}};
  auto begin = clock_type::now();
  auto status = server_->stop(SIGTERM);
  server_.reset();
  for (auto& t : readers)
    t.join();
  EXPECT_LT(clock_type::now() - begin, 4s);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, "shutdown");
  EXPECT_FALSE(frame);
  EXPECT_EQ(ws.close_code(), 1001);
}

TEST_F(hardening, a_second_signal_exits_at_once) {
  char path[] = "/tmp/jobcast-flood-XXXXXX";
  close(mkstemp(path));
  std::ofstream{path} << "[commands]\nflood={exec=\"/usr/bin/seq\", "
                         "args=[\"1\", \"2000000\"]}\n";
  // Room for the whole flood in the viewer's queue: it is never dropped as
  // too slow, and far more waits for it than the kernel's buffers take.
  start({std::string{"--config-file="} + path, "--shutdown.grace=60s",
         "--http.read-timeout=60s", "--http.write-timeout=60s",
         "--limits.subscriber-buffer=268435456"});
  std::remove(path);
  // A viewer that reads nothing holds the shutdown for the whole grace.
  raw_client stalled{port(), 4096};
  auto flood = id_of(api_start(port(), R"({"kind":"flood"})"));
  stalled.send("GET /view-progress/" + flood +
               " HTTP/1.1\r\nHost: localhost\r\n\r\n");
  // The queue is ours, past the kernel's buffers: any of it left means the
  // stream cannot drain. A megabyte is plenty, and a loaded machine running
  // this under the sanitizers may take a while to pile it up.
  EXPECT_TRUE(eventually(
      [&] {
        return metric(port(), "jobcast_stream_queued_bytes") > 1024 * 1024;
      },
      60s));
  auto pid = server_->pid();
  kill(pid, SIGTERM);
  EXPECT_TRUE(server_->wait_for_output("jobcast stopped", 500ms) == false);
  auto begin = clock_type::now();
  auto status = server_->stop(SIGTERM);
  server_.reset();
  EXPECT_LT(clock_type::now() - begin, 5s);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM); // Not SIGABRT from a sanitizer.
}

// -- leaks
// ---------------------------------------------------------------------

TEST_F(hardening, ten_thousand_abandoned_connections_leave_nothing_behind) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  start({"--demo.interval=60s"});
  auto id = id_of(api_start(port(), R"({"kind":"demo"})"));
  auto actors_before = metric(port(), "jobcast_actors_running");
  auto rss_before = rss_kib(server_->pid());
  const std::string states[] = {
      "GET /view-progress/" + id + " HTTP/1.1\r\nHo", // headers
      "GET /view-progress/" + id +
          " HTTP/1.1\r\nHost: localhost\r\n\r\n", // streaming
      "GET /jobs/" + id + "/events HTTP/1.1\r\nHost: localhost\r\n\r\n", // SSE
      "GET /jobs/" + id +
          "/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
          "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", // WS handshake
      "",                                                        // silent
  };
  std::size_t opened = 0;
  for (int round = 0; round < 5; ++round) {
    std::vector<raw_client> batch;
    for (int i = 0; i < 2000; ++i) {
      raw_client s{port()};
      if (!s.ok())
        continue;
      s.send(states[i % 5]);
      batch.push_back(std::move(s));
    }
    opened += batch.size();
    // Half vanish with a reset, half with a close.
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (i % 2 == 0)
        batch[i].reset();
    batch.clear();
  }
  EXPECT_GE(opened, 9900u);
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_connections_open") == 1; }, 30s));
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_subscriber_actors") == 0; }, 30s));
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_actors_running") <= actors_before; },
      30s));
  if (rss_is_meaningful) {
    EXPECT_LT(rss_kib(server_->pid()) - rss_before, 64 * 1024);
  }
  // And the server still serves.
  EXPECT_EQ(request(port(), "GET", "/api/jobs/" + id).status, 200u);
}

TEST_F(hardening, subscribe_disconnect_churn_does_not_grow_memory) {
  start({"--demo.interval=60s"});
  auto id = id_of(api_start(port(), R"({"kind":"demo"})"));
  auto churn = [&](int cycles) {
    for (int i = 0; i < cycles; ++i) {
      raw_client s{port()};
      s.send("GET /view-progress/" + id +
             " HTTP/1.1\r\nHost: localhost\r\n\r\n");
      s.read_until("\r\n\r\n");
    }
    EXPECT_TRUE(eventually(
        [&] { return metric(port(), "jobcast_subscriber_actors") == 0; }));
  };
  churn(2000); // Warm up allocator pools.
  auto before = rss_kib(server_->pid());
  churn(6000);
  // Each cycle once left ~1 kB on the job (a monitor never taken back):
  // 6000 cycles would be ~6 MB.
  if (rss_is_meaningful) {
    EXPECT_LT(rss_kib(server_->pid()) - before, 2048);
  }
}
