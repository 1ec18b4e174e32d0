// Long logs end to end: every viewer gets a job's whole history, however
// long, on every transport, as fast as it reads, and a slow reader of the
// history is not taken for a slow reader of live events.

#include "support/api.hpp"
#include "support/raw_client.hpp"
#include "support/server_test.hpp"

#include <boost/json.hpp>
#include <fstream>

using namespace jobcast::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

/// A line of about 45 bytes, as a build log has them.
std::string log_line(std::size_t i) {
  return "[" + std::to_string(i) + "] compiling src/module_" +
         std::to_string(i % 977) + ".cpp ... ok";
}

class long_log : public server_test {
protected:
  /// An external job with `n` lines published (text/plain, in batches that
  /// fit the body limit); returns its id. Finished if `finish`.
  std::string job_with_lines(std::size_t n, bool finish,
                             std::string (*line)(std::size_t) = log_line) {
    auto res = request(port(), "POST", "/api/jobs",
                       {{"Content-Type", "application/json"}},
                       R"({"kind":"external"})");
    EXPECT_EQ(res.status, 201u) << res.body;
    auto job = json::parse(res.body).as_object();
    id_ = std::to_string(job.at("id").as_int64());
    token_ = std::string{job.at("token").as_string()};
    std::string body;
    for (std::size_t i = 1; i <= n; ++i) {
      body += line(i);
      body += '\n';
      if (body.size() > 900'000 || i == n) {
        EXPECT_EQ(publish_text(body).status, 202u);
        body.clear();
      }
    }
    if (finish)
      end_job();
    return id_;
  }

  response publish_text(const std::string& body) {
    return request(
        port(), "POST", "/api/jobs/" + id_ + "/events",
        {{"Authorization", "Bearer " + token_}, {"Content-Type", "text/plain"}},
        body);
  }

  void end_job() {
    EXPECT_EQ(request(port(), "POST", "/api/jobs/" + id_ + "/finish",
                      {{"Authorization", "Bearer " + token_}}, "{}")
                  .status,
              200u);
  }

  std::string id_;
  std::string token_;
};

std::string short_line(std::size_t i) {
  return std::to_string(i);
}

/// Reads the whole text stream; returns its lines.
std::vector<std::string> text_lines(std::uint16_t port, const std::string& id) {
  stream s{port, "/view-progress/" + id};
  std::vector<std::string> lines;
  std::string pending;
  while (auto chunk = s.next_chunk(10s)) {
    pending += *chunk;
    std::size_t pos;
    while ((pos = pending.find('\n')) != std::string::npos) {
      lines.push_back(pending.substr(0, pos));
      pending.erase(0, pos + 1);
    }
  }
  return lines;
}

/// Checks `n` progress events 1..n in order, then the end, over SSE.
void expect_whole_sse(std::uint16_t port, const std::string& id, std::size_t n,
                      const header_list& headers = {}, std::size_t from = 1) {
  stream s{port, "/jobs/" + id + "/events", headers};
  ASSERT_EQ(s.status(), 200u);
  sse_reader reader{s};
  auto next = from;
  std::string last_type;
  while (auto ev = reader.next(10s)) {
    last_type = ev->type;
    if (ev->type == "end")
      break;
    ASSERT_EQ(ev->type, "progress") << ev->data;
    ASSERT_EQ(ev->seq(), next) << "out of order or missing";
    ++next;
  }
  EXPECT_EQ(next, n + 1) << "events missing";
  EXPECT_EQ(last_type, "end");
  EXPECT_FALSE(reader.next(10s)) << "more after the end";
}

void expect_whole_ws(std::uint16_t port, const std::string& id, std::size_t n) {
  ws_client ws{port, "/jobs/" + id + "/ws"};
  std::int64_t next = 1;
  std::string last_type;
  while (auto frame = ws.read(10s)) {
    auto ev = json::parse(*frame).as_object();
    last_type = std::string{ev.at("type").as_string()};
    if (last_type == "end")
      continue;
    ASSERT_EQ(ev.at("seq").as_int64(), next);
    ++next;
  }
  EXPECT_EQ(next, static_cast<std::int64_t>(n) + 1);
  EXPECT_EQ(last_type, "end");
  EXPECT_EQ(ws.close_code(), 1000);
}

} // namespace

TEST_F(long_log, fifty_thousand_lines_reach_a_fast_reader_on_every_transport) {
  start();
  auto id = job_with_lines(50'000, true);
  auto lines = text_lines(port(), id);
  ASSERT_EQ(lines.size(), 50'000u);
  for (std::size_t i = 0; i < lines.size(); ++i)
    ASSERT_EQ(lines[i], log_line(i + 1));
  expect_whole_sse(port(), id, 50'000);
  expect_whole_ws(port(), id, 50'000);
  EXPECT_EQ(metric(port(), "jobcast_slow_subscriber_disconnects_total"), 0);
}

TEST_F(long_log, two_hundred_thousand_short_events_too) {
  start({"--limits.max-events-per-job=250000"});
  auto id = job_with_lines(200'000, true, short_line);
  auto lines = text_lines(port(), id);
  ASSERT_EQ(lines.size(), 200'000u);
  EXPECT_EQ(lines.back(), "200000");
  expect_whole_sse(port(), id, 200'000);
  expect_whole_ws(port(), id, 200'000);
  EXPECT_EQ(metric(port(), "jobcast_slow_subscriber_disconnects_total"), 0);
}

TEST_F(long_log, a_viewer_joining_a_running_job_gets_the_history_then_live) {
  start();
  auto id = job_with_lines(50'000, false);
  stream s{port(), "/jobs/" + id + "/events"};
  sse_reader reader{s};
  for (std::uint64_t seq = 1; seq <= 50'000; ++seq) {
    auto ev = reader.next(10s);
    ASSERT_TRUE(ev);
    ASSERT_EQ(ev->seq(), seq);
  }
  // Caught up: live events come as they are published.
  ASSERT_EQ(publish_text("live one\n").status, 202u);
  auto live = reader.next(10s);
  ASSERT_TRUE(live);
  EXPECT_EQ(live->seq(), 50'001u);
  end_job();
  auto end = reader.next(10s);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->type, "end");
}

TEST_F(long_log, resuming_deep_in_a_long_history_gets_exactly_the_rest) {
  start();
  auto id = job_with_lines(50'000, true);
  expect_whole_sse(port(), id, 50'000, {{"Last-Event-ID", "40000"}}, 40'001);
}

TEST_F(long_log, a_reader_that_pauses_mid_replay_is_not_cut_off) {
  start({"--limits.subscriber-buffer=262144"});
  auto id = job_with_lines(50'000, true);
  raw_client reader{port(), 65536};
  reader.send("GET /jobs/" + id +
              "/events HTTP/1.1\r\nHost: localhost\r\n\r\n");
  auto got = reader.read_until("id: ", 5s);
  ASSERT_NE(got.find("200 OK"), std::string::npos);
  // It stops reading, far behind the replay (2.3 MB of history against a
  // 256 KiB allowance), then reads on: behind the history, not the live
  // edge, so it is not dropped.
  std::this_thread::sleep_for(5s);
  got += reader.read_until("event: end\n", 30s);
  EXPECT_EQ(got.find("event: overflow"), std::string::npos);
  EXPECT_NE(got.find("event: end\n"), std::string::npos);
  auto last = got.rfind("\nid: ", got.find("event: end\n"));
  ASSERT_NE(last, std::string::npos);
  auto progress_count = 0u;
  for (auto pos = got.find("event: progress\n"); pos != std::string::npos;
       pos = got.find("event: progress\n", pos + 1))
    ++progress_count;
  EXPECT_EQ(progress_count, 50'000u);
  EXPECT_EQ(metric(port(), "jobcast_slow_subscriber_disconnects_total"), 0);
}

TEST_F(long_log, many_replaying_viewers_share_the_events_and_stay_bounded) {
  if (!rss_is_meaningful)
    GTEST_SKIP() << "RSS says nothing under AddressSanitizer";
  constexpr long buffer = 262144;
  start({"--limits.subscriber-buffer=" + std::to_string(buffer)});
  auto id = job_with_lines(50'000, true);
  // Encode it once (a first full read), so that what follows measures the
  // viewers, not the shared encodings.
  expect_whole_sse(port(), id, 50'000);
  auto before = rss_kib(server_->pid());
  // 100 viewers that start the replay and then stop reading: each holds
  // what it queued, which must stay within about its allowance.
  std::vector<raw_client> viewers;
  for (int i = 0; i < 100; ++i) {
    viewers.emplace_back(port(), 8192);
    viewers.back().send("GET /jobs/" + id +
                        "/events HTTP/1.1\r\nHost: localhost\r\n\r\n");
  }
  ASSERT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_stream_queued_bytes") > 0; }));
  // Let them fill what they will (the queue stops growing), then measure.
  double queued = -1;
  ASSERT_TRUE(eventually([&] {
    auto now = metric(port(), "jobcast_stream_queued_bytes");
    auto settled = now == queued;
    queued = now;
    std::this_thread::sleep_for(200ms);
    return settled;
  }));
  auto grown_kib = rss_kib(server_->pid()) - before;
  EXPECT_LT(queued, 100 * buffer);
  EXPECT_LT(grown_kib * 1024, 100 * buffer + 16 * 1024 * 1024)
      << "RSS grew " << grown_kib << " KiB for 100 viewers";
}
