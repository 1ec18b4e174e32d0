// Worker slots and the bound on active jobs (issue 10, item 1), end to end:
// only commands wait for --workers; --limits.max-active-jobs bounds them all.

#include "support/api.hpp"
#include "support/server_test.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <unistd.h>

using namespace jobcast::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

class slots : public server_test {
protected:
  ~slots() override {
    if (!config_.empty())
      std::remove(config_.c_str());
  }

  /// Starts jobcast with a command `hold` that runs for `seconds`.
  void start_with_command(const std::string& seconds,
                          std::vector<std::string> args) {
    char path[] = "/tmp/jobcast-slots-XXXXXX";
    close(mkstemp(path));
    config_ = path;
    std::ofstream{config_} << "[commands]\nhold={exec=\"/bin/sh\", "
                              "args=[\"-c\", \"echo held; sleep "
                           << seconds << "\"]}\n";
    args.push_back("--config-file=" + config_);
    start(std::move(args));
  }

  json::object create(const std::string& kind, unsigned expected = 201) {
    auto res = request(port(), "POST", "/api/jobs",
                       {{"Content-Type", "application/json"}},
                       R"({"kind":")" + kind + "\"}");
    EXPECT_EQ(res.status, expected) << res.body;
    return parse_object(res.body);
  }

  json::object job(std::int64_t id) {
    return parse_object(
        request(port(), "GET", "/api/jobs/" + std::to_string(id)).body);
  }

  std::string config_;
};

} // namespace

TEST_F(slots, ten_demo_jobs_with_one_worker_all_run_at_once) {
  start({"--workers=1", "--demo.interval=300ms"});
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i)
    ids.push_back(start_job());
  // None waits for the one slot: they run the moment they are started...
  for (auto& id : ids)
    EXPECT_EQ(job(std::stoll(id)).at("state").as_string(), "running") << id;
  // ...and each text stream is the seed's lines, nothing else.
  std::vector<std::unique_ptr<stream>> viewers;
  for (auto& id : ids)
    viewers.push_back(std::make_unique<stream>(port(), "/view-progress/" + id));
  for (auto& v : viewers)
    EXPECT_EQ(v->rest(),
              (std::vector<std::string>{"Did something\n",
                                        "Did something else\n", "All done\n"}));
}

TEST_F(slots, commands_still_queue_in_fifo_order_with_their_places) {
  start_with_command("0.3", {"--workers=1"});
  auto first = create("hold");
  EXPECT_EQ(first.at("state").as_string(), "running");
  std::vector<json::object> waiting;
  for (int i = 0; i < 3; ++i) {
    waiting.push_back(create("hold"));
    EXPECT_EQ(waiting.back().at("state").as_string(), "queued");
    EXPECT_EQ(waiting.back().at("queue_position").as_int64(), i);
  }
  // Other kinds pass the queue.
  EXPECT_EQ(create("external").at("state").as_string(), "running");
  // The last one hears every move, then starts.
  stream s{port(), "/jobs/" +
                       std::to_string(waiting.back().at("id").as_int64()) +
                       "/events"};
  std::vector<std::string> statuses;
  for (auto& ev : sse_reader{s}.rest(10s))
    if (ev.type == "status")
      statuses.push_back(
          std::string{parse_object(ev.data).at("text").as_string()});
  EXPECT_EQ(statuses,
            (std::vector<std::string>{"queued, 2 ahead", "queued, 1 ahead",
                                      "queued, 0 ahead", "started"}));
  // One after the other, in the order they were started.
  auto previous = job(first.at("id").as_int64());
  for (auto& w : waiting) {
    auto now = job(w.at("id").as_int64());
    EXPECT_EQ(now.at("state").as_string(), "succeeded");
    EXPECT_GE(now.at("started").as_string(),
              previous.at("finished").as_string());
    previous = now;
  }
}

TEST_F(slots, starts_past_max_active_jobs_get_503_and_create_nothing) {
  start({"--limits.max-active-jobs=3", "--demo.interval=10s"});
  for (int i = 0; i < 3; ++i)
    create("demo");
  auto total = [&] {
    return parse_object(request(port(), "GET", "/api/jobs").body)
        .at("total")
        .as_int64();
  };
  EXPECT_EQ(total(), 3);
  // The API: a JSON error with Retry-After.
  auto api =
      request(port(), "POST", "/api/jobs",
              {{"Content-Type", "application/json"}}, R"({"kind":"noop"})");
  EXPECT_EQ(api.status, 503u);
  EXPECT_EQ(api.header("retry-after"), "1");
  EXPECT_EQ(parse_object(api.body).at("error").as_string(), "too many jobs");
  // The form: one line of text with Retry-After.
  auto form = request(port(), "POST", "/");
  EXPECT_EQ(form.status, 503u);
  EXPECT_EQ(form.header("retry-after"), "1");
  EXPECT_EQ(form.body, "503 Service Unavailable: as many jobs as allowed are "
                       "queued or running; retry later\n");
  EXPECT_EQ(total(), 3);
  EXPECT_EQ(metric(port(), "jobcast_jobs_refused_total"), 2);
  // A finished job no longer counts, and the refusals used no id.
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/1").status, 200u);
  EXPECT_TRUE(eventually([&] {
    return request(port(), "POST", "/api/jobs",
                   {{"Content-Type", "application/json"}}, R"({"kind":"noop"})")
               .status == 201;
  }));
  EXPECT_EQ(job(4).at("kind").as_string(), "noop");
}
