// Memory stays within what jobcast documents (issue 15), end to end: a real
// jobcast process, real sockets, RSS read from /proc.

#include "support/api.hpp"
#include "support/server_test.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace jobcast::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

using memory = server_test;

/// Starts `count` noop jobs over one keep-alive connection, `window`
/// requests pipelined at a time; returns how many were answered 201.
std::size_t pipeline_noop_jobs(std::uint16_t port, std::size_t count,
                               std::size_t window = 32) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return 0;
  }
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  const std::string one = "POST /api/jobs HTTP/1.1\r\nHost: localhost\r\n"
                          "Content-Type: application/json\r\n"
                          "Content-Length: 15\r\n\r\n{\"kind\":\"noop\"}";
  const std::string status_line = "HTTP/1.1 ";
  const std::string created = "HTTP/1.1 201 ";
  std::size_t sent = 0;
  std::size_t answered = 0;
  std::size_t ok = 0;
  std::string pending; // Unparsed tail of what the server sent.
  char buf[65536];
  while (answered < count) {
    if (sent == answered) {
      auto n = std::min(window, count - sent);
      std::string batch;
      batch.reserve(n * one.size());
      for (std::size_t i = 0; i < n; ++i)
        batch += one;
      if (::send(fd, batch.data(), batch.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(batch.size()))
        break;
      sent += n;
    }
    auto n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0)
      break;
    pending.append(buf, static_cast<std::size_t>(n));
    // A JSON body never contains "HTTP/1.1 ": count status lines.
    std::size_t pos = 0;
    for (;;) {
      auto at = pending.find(status_line, pos);
      if (at == std::string::npos ||
          pending.size() < at + created.size()) // Status code not in yet.
        break;
      ++answered;
      if (pending.compare(at, created.size(), created) == 0)
        ++ok;
      pos = at + status_line.size();
    }
    pending.erase(0, pos);
  }
  close(fd);
  return ok;
}

/// Starts `count` noop jobs over `connections` connections at once.
std::size_t start_noop_jobs(std::uint16_t port, std::size_t count,
                            std::size_t connections = 8) {
  std::atomic<std::size_t> ok{0};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < connections; ++i) {
    auto share = count / connections + (i < count % connections ? 1 : 0);
    threads.emplace_back([&, share] { ok += pipeline_noop_jobs(port, share); });
  }
  for (auto& t : threads)
    t.join();
  return ok;
}

/// `n` events of `bytes` bytes each, as one JSON array.
std::string events_body(std::size_t n, std::size_t bytes) {
  std::string text(bytes, 'x');
  std::string body = "[";
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0)
      body += ',';
    body += R"({"text":")" + text + R"("})";
  }
  return body + "]";
}

unsigned publish(std::uint16_t port, const std::string& job,
                 const std::string& body) {
  return request(port, "POST", "/api/jobs/" + id_of(job) + "/events",
                 {{"Authorization", "Bearer " + token_of(job)},
                  {"Content-Type", "application/json"}},
                 body)
      .status;
}

unsigned finish(std::uint16_t port, const std::string& job) {
  return request(port, "POST", "/api/jobs/" + id_of(job) + "/finish",
                 {{"Authorization", "Bearer " + token_of(job)}}, "{}")
      .status;
}

unsigned status_of(std::uint16_t port, const std::string& job) {
  return request(port, "GET", "/api/jobs/" + id_of(job)).status;
}

/// The type of the first event a viewer resuming from the start gets.
std::string first_event_type(std::uint16_t port, const std::string& job) {
  stream s{port, "/jobs/" + id_of(job) + "/events"};
  auto ev = sse_reader{s}.next();
  return ev ? ev->type : std::string{};
}

} // namespace

TEST_F(memory, retention_costs_nothing_per_evicted_job) {
  if (!rss_is_meaningful)
    GTEST_SKIP() << "RSS means nothing under AddressSanitizer";
  start({}); // Default retention (10 min) and --limits.max-retained-jobs.
  // The first 10,000 fill the retained set and the allocator's pools.
  ASSERT_EQ(start_noop_jobs(port(), 10'000), 10'000u);
  ASSERT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_jobs{state=\"running\"}") == 0; }));
  auto before = rss_kib(server_->pid());
  ASSERT_EQ(start_noop_jobs(port(), 190'000), 190'000u);
  ASSERT_TRUE(eventually(
      [&] { return metric(port(), "jobcast_jobs{state=\"running\"}") == 0; }));
  auto after = rss_kib(server_->pid());
  // One pending expiry per job was ~270 bytes each: ~50 MB here.
  EXPECT_LT(after - before, 10 * 1024)
      << "RSS " << before << " KiB after 10,000 jobs, " << after
      << " KiB after 200,000";
  EXPECT_EQ(metric(port(), "jobcast_jobs_started_total"), 200'000);
  auto list = parse_object(request(port(), "GET", "/api/jobs?limit=1").body);
  EXPECT_EQ(list.at("total").as_int64(), 1000); // max-retained-jobs
}

TEST_F(memory, history_budget_forgets_old_finished_jobs_then_trims_running) {
  const double limit = 300'000;
  start({"--limits.history-bytes=300000"});
  // Three finished jobs, oldest first, well within the budget together.
  std::vector<std::string> done;
  for (int i = 0; i < 3; ++i) {
    done.push_back(start_kind(port(), "external"));
    ASSERT_EQ(publish(port(), done.back(), events_body(15, 1000)), 202u);
    ASSERT_EQ(finish(port(), done.back()), 200u);
  }
  auto running = start_kind(port(), "external");
  auto settled = [&] {
    return eventually(
        [&] { return metric(port(), "jobcast_history_bytes") <= limit; });
  };
  // Publish to the running job until the budget forgets a job.
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(publish(port(), running, events_body(5, 1000)), 202u);
    ASSERT_TRUE(settled());
    if (metric(port(), "jobcast_history_jobs_evicted_total") >= 1)
      break;
  }
  ASSERT_GE(metric(port(), "jobcast_history_jobs_evicted_total"), 1);
  // The oldest finished job went, as after its retention; the newer ones
  // and everything of the running job stay.
  EXPECT_EQ(status_of(port(), done[0]), 404u);
  EXPECT_EQ(status_of(port(), done[2]), 200u);
  EXPECT_EQ(metric(port(), "jobcast_history_events_evicted_total"), 0);
  EXPECT_EQ(first_event_type(port(), running), "progress");
  // Go on until the running job alone is over the budget.
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(publish(port(), running, events_body(5, 1000)), 202u);
    ASSERT_TRUE(settled());
    if (metric(port(), "jobcast_history_events_evicted_total") > 0)
      break;
  }
  ASSERT_GT(metric(port(), "jobcast_history_events_evicted_total"), 0);
  // Every finished job went before a running job lost an event.
  EXPECT_EQ(metric(port(), "jobcast_history_jobs_evicted_total"), 3);
  for (auto& job : done)
    EXPECT_EQ(status_of(port(), job), 404u);
  // A viewer resuming from the start hears what it missed...
  EXPECT_EQ(first_event_type(port(), running), "gap");
  // ...and the server goes on as before.
  EXPECT_EQ(status_of(port(), running), 200u);
  EXPECT_EQ(publish(port(), running, events_body(1, 10)), 202u);
  EXPECT_EQ(finish(port(), running), 200u);
  EXPECT_EQ(request(port(), "GET", "/api/jobs").status, 200u);
  start_kind(port(), "noop");
  EXPECT_LE(metric(port(), "jobcast_history_bytes"), limit);
}

TEST_F(memory, an_event_bigger_than_the_whole_budget_is_not_fatal) {
  start({"--limits.history-bytes=1000"});
  auto job = start_kind(port(), "external");
  stream viewer{port(), "/jobs/" + id_of(job) + "/events"};
  sse_reader live{viewer};
  ASSERT_EQ(publish(port(), job, events_body(1, 60'000)), 202u);
  // A live viewer still gets it: it is dropped from the history only.
  auto ev = live.next();
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->type, "progress");
  EXPECT_TRUE(eventually([&] {
    return metric(port(), "jobcast_history_events_evicted_total") >= 1;
  }));
  EXPECT_LE(metric(port(), "jobcast_history_bytes"), 1000);
  EXPECT_EQ(first_event_type(port(), job), "gap");
  EXPECT_EQ(finish(port(), job), 200u);
  EXPECT_EQ(status_of(port(), job), 200u);
}
