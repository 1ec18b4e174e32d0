// The seed's contract, end to end: a real jobcast process on an ephemeral
// port, real sockets, a real HTTP client.

#include "support/server_test.hpp"

#include <csignal>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <thread>

using namespace jobcast::test;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> seed_lines = {
    "Did something\n",
    "Did something else\n",
    "All done\n",
};

using seed = server_test;

} // namespace

TEST_F(seed, home_page_offers_the_start_button) {
  start();
  auto res = request(port(), "GET", "/");
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(res.body.find("<form method=\"post\""), std::string::npos);
  EXPECT_NE(res.body.find("Start new background job"), std::string::npos);
}

TEST_F(seed, post_starts_jobs_with_consecutive_ids) {
  start();
  EXPECT_EQ(start_job(), "1");
  EXPECT_EQ(start_job(), "2");
  EXPECT_EQ(start_job(), "3");
}

TEST_F(seed, progress_streams_each_line_as_its_own_flushed_chunk) {
  start({"--demo.interval=300ms"});
  auto id = start_job();
  stream s{port(), "/view-progress/" + id};
  ASSERT_EQ(s.status(), 200u);
  EXPECT_EQ(s.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(s.header("Transfer-Encoding"), "chunked");
  std::vector<clock_type::time_point> arrivals;
  std::vector<std::string> chunks;
  while (auto chunk = s.next_chunk()) {
    arrivals.push_back(clock_type::now());
    chunks.push_back(*chunk);
  }
  auto ended = clock_type::now();
  EXPECT_EQ(chunks, seed_lines);
  ASSERT_EQ(arrivals.size(), 3u);
  // Streaming, not buffering: each line arrives about one interval before the
  // next, so the first one comes well before the end.
  EXPECT_GE(arrivals[1] - arrivals[0], 200ms);
  EXPECT_GE(arrivals[2] - arrivals[1], 200ms);
  EXPECT_GE(ended - arrivals[0], 400ms);
}

TEST_F(seed, http_1_0_clients_get_a_close_delimited_stream) {
  start({"--demo.interval=50ms"});
  auto id = start_job();
  auto raw = raw_exchange(
      port(), "GET /view-progress/" + id + " HTTP/1.0\r\nAccept: */*\r\n\r\n",
      10s);
  auto split = raw.find("\r\n\r\n");
  ASSERT_NE(split, std::string::npos) << raw;
  auto head = raw.substr(0, split + 2);
  auto body = raw.substr(split + 4);
  EXPECT_EQ(head.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << head;
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
  EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos) << head;
  // The same bytes a 1.1 client gets inside its chunks; the close ends it
  // (raw_exchange returns when the server closes).
  EXPECT_EQ(body, "Did something\nDid something else\nAll done\n");
  // Server-Sent Events too: whole events, no chunk sizes in between.
  auto sse =
      raw_exchange(port(), "GET /jobs/" + id + "/events HTTP/1.0\r\n\r\n", 10s);
  auto events = sse.substr(sse.find("\r\n\r\n") + 4);
  EXPECT_EQ(events.rfind("retry: 2000\nid: ", 0), 0u) << events;
  EXPECT_NE(events.find("event: end\n"), std::string::npos) << events;
  EXPECT_EQ(events.find("\r\n"), std::string::npos) << events;
}

TEST_F(seed, concurrent_viewers_each_get_every_line_in_order) {
  start();
  auto id = start_job();
  std::vector<std::unique_ptr<stream>> viewers;
  for (int i = 0; i < 8; ++i)
    viewers.push_back(std::make_unique<stream>(port(), "/view-progress/" + id));
  for (auto& viewer : viewers)
    EXPECT_EQ(viewer->rest(), seed_lines);
}

TEST_F(seed, late_viewer_gets_the_history_then_the_live_lines) {
  start({"--demo.interval=300ms"});
  auto id = start_job();
  stream early{port(), "/view-progress/" + id};
  ASSERT_EQ(early.next_chunk(), seed_lines[0]);
  // The first line is out; a viewer arriving now must still see it.
  stream late{port(), "/view-progress/" + id};
  EXPECT_EQ(late.rest(), seed_lines);
  EXPECT_EQ(early.rest(),
            std::vector<std::string>(seed_lines.begin() + 1, seed_lines.end()));
}

TEST_F(seed, finished_job_replays_its_log_then_expires) {
  start({"--demo.interval=50ms", "--jobs.retention=1s"});
  auto id = start_job();
  EXPECT_EQ(stream(port(), "/view-progress/" + id).rest(), seed_lines);
  // Within the retention period: the whole log at once, then the end.
  auto before = clock_type::now();
  stream replay{port(), "/view-progress/" + id};
  EXPECT_EQ(replay.status(), 200u);
  EXPECT_EQ(replay.rest(), seed_lines);
  EXPECT_LT(clock_type::now() - before, 500ms);
  // After it: 404 with a one-line reason.
  EXPECT_TRUE(eventually([&] {
    return request(port(), "GET", "/view-progress/" + id).status == 404;
  }));
  auto gone = request(port(), "GET", "/view-progress/" + id);
  EXPECT_EQ(gone.body, "404 Not Found: no job with that id\n");
}

TEST_F(seed, unknown_and_malformed_ids_get_404) {
  start();
  for (auto target :
       {"/view-progress/1", "/view-progress/42", "/view-progress/abc",
        "/view-progress/0", "/view-progress/-1", "/view-progress/1.5",
        "/view-progress/99999999999999999999",
        "/view-progress/18446744073709551616", "/view-progress/",
        "/view-progress/1/extra"}) {
    auto res = request(port(), "GET", target);
    EXPECT_EQ(res.status, 404u) << target;
    EXPECT_EQ(res.header("content-type"), "text/plain; charset=utf-8");
    EXPECT_EQ(std::count(res.body.begin(), res.body.end(), '\n'), 1)
        << res.body;
  }
  // The server is still fine.
  EXPECT_EQ(start_job(), "1");
}

TEST_F(seed, unknown_paths_404_wrong_methods_405_with_allow) {
  start();
  EXPECT_EQ(request(port(), "GET", "/nope").status, 404u);
  auto res = request(port(), "DELETE", "/");
  EXPECT_EQ(res.status, 405u);
  EXPECT_EQ(res.header("allow"), "GET, HEAD, POST");
  res = request(port(), "POST", "/view-progress/1");
  EXPECT_EQ(res.status, 405u);
  EXPECT_EQ(res.header("allow"), "GET, HEAD");
}

TEST_F(seed, head_works_wherever_get_does) {
  start();
  auto get = request(port(), "GET", "/");
  auto head = request(port(), "HEAD", "/");
  EXPECT_EQ(head.status, 200u);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.header("content-length"), std::to_string(get.body.size()));
  auto id = start_job();
  head = request(port(), "HEAD", "/view-progress/" + id);
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(request(port(), "HEAD", "/view-progress/77").status, 404u);
}

TEST_F(seed, keep_alive_serves_several_requests_and_streams_on_one_connection) {
  start({"--demo.interval=20ms"});
  connection conn{port()};
  EXPECT_EQ(conn.send("GET", "/").status, 200u);
  auto started = conn.send("POST", "/");
  EXPECT_EQ(started.status, 303u);
  auto streamed = conn.send("GET", started.header("location"));
  EXPECT_EQ(streamed.body, "Did something\nDid something else\nAll done\n");
  EXPECT_EQ(conn.send("GET", "/view-progress/999").status, 404u);
  EXPECT_EQ(conn.send("GET", "/").status, 200u);
}

TEST_F(seed, viewer_that_disconnects_leaves_nothing_behind) {
  start({"--demo.interval=300ms"});
  auto id = start_job();
  EXPECT_EQ(metric(port(), "jobcast_subscriber_actors"), 0);
  stream stays{port(), "/view-progress/" + id};
  {
    stream leaves{port(), "/view-progress/" + id};
    ASSERT_EQ(leaves.next_chunk(), seed_lines[0]);
    EXPECT_EQ(metric(port(), "jobcast_subscriber_actors"), 2);
    leaves.abandon();
  }
  // Its subscriber actor and connection go; the job and the other viewer go
  // on. (The /metrics request itself is one open connection.)
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_subscriber_actors") == 1; }));
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_connections_open") == 2; }));
  EXPECT_EQ(stays.rest(), seed_lines);
  stays.abandon();
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_subscriber_actors") == 0; }));
  EXPECT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_connections_open") == 1; }));
}

TEST_F(seed, sigterm_ends_open_streams_cleanly_and_exits_zero) {
  start({"--demo.interval=10s"});
  auto id = start_job();
  stream s{port(), "/view-progress/" + id};
  ASSERT_EQ(s.status(), 200u);
  EXPECT_EQ(metric(port(), "jobcast_subscriber_actors"), 1);
  auto stopper = std::thread{[this] {
    auto status = server_->stop(SIGTERM);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }};
  // The stream gets a last line and a proper end of the chunked body.
  auto rest = s.rest();
  stopper.join();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_NE(rest[0].find("shutting down"), std::string::npos);
  server_.reset();
}

TEST_F(seed, malformed_or_oversized_requests_get_clear_errors) {
  start({"--limits.max-header-bytes=1024"});
  auto bad = raw_exchange(port(), "GARBAGE\r\n\r\n");
  EXPECT_EQ(bad.rfind("HTTP/1.1 400 Bad Request", 0), 0u) << bad;
  auto big =
      raw_exchange(port(), "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " +
                               std::string(4096, 'a') + "\r\n\r\n");
  EXPECT_EQ(big.rfind("HTTP/1.1 431", 0), 0u) << big;
  auto conflicting = raw_exchange(
      port(), "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\n"
              "Content-Length: 2\r\n\r\nab");
  EXPECT_EQ(conflicting.rfind("HTTP/1.1 400", 0), 0u) << conflicting;
  // None of them started a job.
  EXPECT_EQ(start_job(), "1");
}

TEST_F(seed, logger_shows_the_actors_at_work) {
  start({"--demo.interval=20ms", "--logger.console=uncolored",
         "--logger.console-verbosity=debug"});
  auto id = start_job();
  EXPECT_EQ(stream(port(), "/view-progress/" + id).rest(), seed_lines);
  // The job's and the subscriber's last lines come from two threads.
  EXPECT_TRUE(server_->wait_for_output("job 1 finished: succeeded"));
  EXPECT_TRUE(server_->wait_for_output("subscriber: job 1 ended"));
  auto log = server_->output();
  for (auto text :
       {"registry: job 1 is actor", "job 1 spawned: kind demo",
        "subscriber spawned for job 1", "job 1: subscribe from actor",
        "job 1: publish event 1 to 1 subscribers", "subscriber: job 1 ended"})
    EXPECT_NE(log.find(text), std::string::npos) << text << "\n" << log;
}

TEST_F(seed, help_lists_every_flag) {
  FILE* out = popen(JOBCAST_BINARY " --help 2>&1", "r");
  ASSERT_NE(out, nullptr);
  std::string text;
  char buf[4096];
  while (auto n = fread(buf, 1, sizeof(buf), out))
    text.append(buf, n);
  EXPECT_EQ(pclose(out), 0);
  for (auto flag :
       {"http.address", "http.port", "http.threads", "demo.interval",
        "jobs.retention", "scheduler.max-threads", "logger.console-verbosity",
        "config-file", "shutdown.grace", "limits.subscriber-buffer"})
    EXPECT_NE(text.find(flag), std::string::npos) << flag;
}
