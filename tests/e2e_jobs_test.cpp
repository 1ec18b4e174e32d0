// Real jobs end to end: the publisher API, operator-declared commands (real
// child processes), the worker pool and the start token.

#include "support/api.hpp"
#include "support/raw_client.hpp"
#include "support/server_test.hpp"

#include <boost/json.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>

using namespace jobcast::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

/// Writes a jobcast config file declaring test commands; returns its path.
std::string write_config() {
  char path[] = "/tmp/jobcast-test-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  std::ofstream out{path};
  out << "[commands]\n"
         "mixed={exec=\"/bin/sh\", args=[\"-c\", \"echo out1; echo err1 >&2; "
         "sleep 0.1; echo out2; exit 3\"]}\n"
         "many={exec=\"/usr/bin/seq\", args=[\"1\", \"100000\"]}\n"
         "hang={exec=\"/bin/sh\", args=[\"-c\", \"echo pid $$; exec sleep "
         "300\"]}\n"
         "slow={exec=\"/bin/sh\", args=[\"-c\", \"echo pid $$; exec sleep "
         "300\"], timeout=300ms}\n"
         "stubborn={exec=\"/bin/sh\", args=[\"-c\", \"trap '' TERM; echo pid "
         "$$; while true; do sleep 0.05; done\"]}\n"
         "inenv={exec=\"/bin/sh\", args=[\"-c\", \"echo $GREETING; pwd\"], "
         "cwd=\"/tmp\", env={GREETING=\"hello there\"}}\n";
  return path;
}

/// Whether the process still runs. A zombie does not: the supervisor keeps
/// the command unreaped on purpose (its pid is the group id jobcast signals)
/// for a moment after the job has already been told how it ended.
bool process_alive(pid_t pid) {
  if (kill(pid, 0) != 0 && errno == ESRCH)
    return false;
  std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
  std::string line;
  if (!std::getline(stat, line))
    return false;
  // The state follows the command name, which may itself hold ") ".
  auto close = line.rfind(") ");
  if (close == std::string::npos || close + 2 >= line.size())
    return true;
  auto state = line[close + 2];
  return state != 'Z' && state != 'X';
}

class jobs : public server_test {
protected:
  void start_with_commands(std::vector<std::string> extra = {}) {
    config_ = write_config();
    extra.push_back("--config-file=" + config_);
    start(std::move(extra));
  }

  ~jobs() override {
    if (!config_.empty())
      std::remove(config_.c_str());
  }

  /// POST /api/jobs; returns the parsed reply, expecting `expected`.
  json::object create(const std::string& body, unsigned expected = 201,
                      const header_list& headers = {}) {
    header_list all{{"Content-Type", "application/json"}};
    all.insert(all.end(), headers.begin(), headers.end());
    auto res = request(port(), "POST", "/api/jobs", all, body);
    EXPECT_EQ(res.status, expected) << res.body;
    return parse_object(res.body);
  }

  std::string id_of(const json::object& job) {
    return std::to_string(job.at("id").as_int64());
  }

  response publish(const std::string& id, const std::string& token,
                   const std::string& body,
                   const std::string& type = "application/json") {
    header_list headers{{"Content-Type", type}};
    if (!token.empty())
      headers.emplace_back("Authorization", "Bearer " + token);
    return request(port(), "POST", "/api/jobs/" + id + "/events", headers,
                   body);
  }

  /// The pid a test command prints as its first line ("pid N").
  pid_t first_line_pid(stream& s) {
    auto line = s.next_chunk();
    EXPECT_TRUE(line && line->rfind("pid ", 0) == 0);
    return line ? std::stoi(line->substr(4)) : -1;
  }

  std::string config_;
};

} // namespace

// -- publisher API -----------------------------------------------------------

TEST_F(jobs, publisher_happy_path) {
  start();
  auto job = create(R"({"kind":"external","title":"nightly import"})");
  auto id = id_of(job);
  auto token = std::string{job.at("token").as_string()};
  EXPECT_EQ(token.size(), 22u); // 128 bits, base64url.
  EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
                                    "opqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_EQ(job.at("title").as_string(), "nightly import");
  // The token is shown once, never again.
  EXPECT_FALSE(parse_object(request(port(), "GET", "/api/jobs/" + id).body)
                   .contains("token"));
  stream viewer{port(), "/jobs/" + id + "/events"};
  auto res = publish(id, token, R"({"text":"step 1","progress":0.42})");
  EXPECT_EQ(res.status, 202u);
  EXPECT_EQ(res.body, "{\"seqs\":[1]}\n");
  res = publish(id, token, R"([{"text":"a"},{"text":"b","progress":0.9}])");
  EXPECT_EQ(res.body, "{\"seqs\":[2,3]}\n");
  res = publish(id, token, "line one\nline two\n", "text/plain");
  EXPECT_EQ(res.body, "{\"seqs\":[4,5]}\n");
  res = request(port(), "POST", "/api/jobs/" + id + "/finish",
                {{"Authorization", "Bearer " + token}},
                R"({"state":"succeeded","text":"imported 5"})");
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(parse_object(res.body).at("state").as_string(), "succeeded");
  auto events = sse_reader{viewer}.rest();
  ASSERT_EQ(events.size(), 6u);
  EXPECT_NEAR(parse_object(events[0].data).at("progress").to_number<double>(),
              0.42, 1e-9);
  EXPECT_EQ(parse_object(events[3].data).at("text").as_string(), "line one");
  EXPECT_EQ(events[5].type, "end");
  EXPECT_EQ(parse_object(events[5].data).at("text").as_string(), "imported 5");
}

TEST_F(jobs, expect_100_continue_is_answered_before_the_body) {
  start({"--limits.max-body-bytes=1000"});
  auto job = create(R"({"kind":"external"})");
  auto id = id_of(job);
  auto token = std::string{job.at("token").as_string()};
  auto head = [&](const std::string& auth, std::size_t length) {
    return "POST /api/jobs/" + id +
           "/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
           "text/plain\r\n" +
           auth + "Content-Length: " + std::to_string(length) +
           "\r\nExpect: 100-continue\r\n\r\n";
  };
  // A publisher that may go on hears 100 first, without sending its body;
  // then its body is taken as always.
  {
    raw_client c{port()};
    c.send(head("Authorization: Bearer " + token + "\r\n", 6));
    EXPECT_EQ(c.read_until("\r\n\r\n", 3s), "HTTP/1.1 100 Continue\r\n\r\n");
    c.send("hello\n");
    auto answer = c.read_until("}\n", 3s);
    EXPECT_EQ(answer.rfind("HTTP/1.1 202 Accepted\r\n", 0), 0u) << answer;
  }
  // One that may not hears its final status at once, with no 100 before.
  auto refused = [&](const std::string& auth, std::size_t length) {
    raw_client c{port()};
    c.send(head(auth, length));
    return c.read_until("\r\n\r\n", 3s);
  };
  EXPECT_EQ(refused("Authorization: Bearer wrong\r\n", 6)
                .rfind("HTTP/1.1 403 Forbidden\r\n", 0),
            0u);
  EXPECT_EQ(refused("", 6).rfind("HTTP/1.1 401 Unauthorized\r\n", 0), 0u);
  EXPECT_EQ(refused("Authorization: Bearer " + token + "\r\n", 5000)
                .rfind("HTTP/1.1 413 Payload Too Large\r\n", 0),
            0u);
  // To a job that does not exist: 404, also at once.
  raw_client c{port()};
  c.send(
      "POST /api/jobs/99/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: "
      "Bearer " +
      token + "\r\nContent-Length: 6\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(c.read_until("\r\n\r\n", 3s).rfind("HTTP/1.1 404 Not Found\r\n", 0),
            0u);
}

TEST_F(jobs, publisher_errors_are_answered_clearly) {
  start({"--limits.max-event-bytes=100", "--limits.max-body-bytes=4096"});
  auto job = create(R"({"kind":"external"})");
  auto id = id_of(job);
  auto token = std::string{job.at("token").as_string()};
  auto missing = publish(id, "", R"({"text":"x"})");
  EXPECT_EQ(missing.status, 401u);
  EXPECT_EQ(missing.header("www-authenticate"), "Bearer");
  EXPECT_EQ(publish(id, "not-the-token", R"({"text":"x"})").status, 403u);
  EXPECT_EQ(publish(id, token, "{oops").status, 400u);
  EXPECT_EQ(publish(id, token, R"({"text":"x","progress":1.5})").status, 400u);
  EXPECT_EQ(publish(id, token, R"({"text":"x","progress":-0.1})").status, 400u);
  EXPECT_EQ(publish(id, token, R"({"progress":0.5})").status, 400u);
  EXPECT_EQ(publish(id, token, R"({"text":"x","color":"red"})").status, 400u);
  EXPECT_EQ(publish(id, token, "[]").status, 400u);
  auto big = publish(id, token, "{\"text\":\"" + std::string(101, 'x') + "\"}");
  EXPECT_EQ(big.status, 413u);
  EXPECT_EQ(parse_object(big.body).at("error").as_string(), "event too large");
  EXPECT_EQ(publish(id, token, std::string(5000, 'x'), "text/plain").status,
            413u);
  auto bad_utf8 = publish(id, token, "ok\n\xff\xfe\n", "text/plain");
  EXPECT_EQ(bad_utf8.status, 400u);
  EXPECT_EQ(parse_object(bad_utf8.body).at("error").as_string(),
            "invalid text");
  // Nothing of the rejected requests was published.
  EXPECT_EQ(publish(id, token, R"({"text":"first"})").body, "{\"seqs\":[1]}\n");
  EXPECT_EQ(publish("999", token, R"({"text":"x"})").status, 404u);
  // Jobs that are not external accept no publisher.
  auto demo = create(R"({"kind":"demo"})");
  EXPECT_EQ(publish(id_of(demo), token, R"({"text":"x"})").status, 403u);
  // Once finished: 409.
  auto fin = request(port(), "POST", "/api/jobs/" + id + "/finish",
                     {{"Authorization", "Bearer " + token}},
                     R"({"state":"failed","text":"gave up"})");
  EXPECT_EQ(fin.status, 200u);
  EXPECT_EQ(publish(id, token, R"({"text":"late"})").status, 409u);
  EXPECT_EQ(request(port(), "POST", "/api/jobs/" + id + "/finish",
                    {{"Authorization", "Bearer " + token}},
                    R"({"state":"failed"})")
                .status,
            409u);
  EXPECT_EQ(request(port(), "POST", "/api/jobs/" + id + "/finish",
                    {{"Authorization", "Bearer " + token}},
                    R"({"state":"cancelled"})")
                .status,
            400u);
}

TEST_F(jobs, silent_publisher_fails_the_job) {
  start({"--jobs.idle-timeout=300ms"});
  auto id = id_of(create(R"({"kind":"external"})"));
  stream viewer{port(), "/view-progress/" + id};
  EXPECT_EQ(viewer.rest(), std::vector<std::string>{"publisher went away\n"});
  EXPECT_EQ(
      parse_object(request(port(), "GET", "/api/jobs/" + id).body).at("state"),
      "failed");
}

// -- command jobs -------------------------------------------------------------

TEST_F(jobs, command_lines_become_events_and_exit_code_sets_the_state) {
  start_with_commands();
  auto id = id_of(create(R"({"kind":"mixed"})"));
  stream text{port(), "/view-progress/" + id};
  EXPECT_EQ(text.rest(), (std::vector<std::string>{"out1\n", "stderr: err1\n",
                                                   "out2\n", "exit code 3\n"}));
  stream sse{port(), "/jobs/" + id + "/events"};
  auto events = sse_reader{sse}.rest();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_FALSE(parse_object(events[0].data).contains("stream"));
  EXPECT_EQ(parse_object(events[1].data).at("stream").as_string(), "stderr");
  auto end = parse_object(events[3].data);
  EXPECT_EQ(end.at("state").as_string(), "failed");
  EXPECT_EQ(end.at("text").as_string(), "exit code 3");
}

TEST_F(jobs, command_gets_its_declared_environment_and_directory) {
  start_with_commands();
  auto id = id_of(create(R"({"kind":"inenv"})"));
  stream text{port(), "/view-progress/" + id};
  EXPECT_EQ(text.rest(), (std::vector<std::string>{"hello there\n", "/tmp\n"}));
}

TEST_F(jobs, hundred_thousand_lines_reach_two_viewers_in_order) {
  // This is about the command pipeline losing nothing. A test client parsing
  // 100,000 chunks can fall more than the default 1 MiB behind a command
  // writing at full speed, and would then be dropped as a slow viewer (a
  // policy tested on its own), so the buffer is raised here.
  start_with_commands({"--limits.subscriber-buffer=67108864"});
  auto id = id_of(create(R"({"kind":"many"})"));
  // Two viewers reading at the same time, as two browsers would.
  std::string bodies[2];
  std::thread readers[2];
  for (int i = 0; i < 2; ++i)
    readers[i] = std::thread{[&, i] {
      stream s{port(), "/view-progress/" + id};
      for (auto& chunk : s.rest(30s))
        bodies[i] += chunk;
    }};
  for (auto& t : readers)
    t.join();
  std::string expected;
  for (int i = 1; i <= 100000; ++i)
    expected += std::to_string(i) + "\n";
  for (auto& body : bodies) {
    EXPECT_EQ(body.size(), expected.size());
    EXPECT_TRUE(body == expected);
  }
  auto job = parse_object(request(port(), "GET", "/api/jobs/" + id).body);
  EXPECT_EQ(job.at("state").as_string(), "succeeded");
  EXPECT_EQ(job.at("events").as_int64(), 100001);
}

TEST_F(jobs, cancelled_command_leaves_no_process) {
  start_with_commands();
  auto id = id_of(create(R"({"kind":"hang"})"));
  stream text{port(), "/view-progress/" + id};
  auto pid = first_line_pid(text);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(process_alive(pid));
  auto res = request(port(), "DELETE", "/api/jobs/" + id);
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(text.rest(), std::vector<std::string>{"cancelled\n"});
  EXPECT_TRUE(eventually([&] { return !process_alive(pid); }));
}

TEST_F(jobs, command_that_ignores_sigterm_is_killed_after_the_grace) {
  start_with_commands({"--jobs.kill-grace=200ms"});
  auto id = id_of(create(R"({"kind":"stubborn"})"));
  stream text{port(), "/view-progress/" + id};
  auto pid = first_line_pid(text);
  ASSERT_GT(pid, 0);
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/" + id).status, 200u);
  EXPECT_TRUE(eventually([&] { return !process_alive(pid); }));
}

TEST_F(jobs, command_over_its_timeout_is_killed_and_fails) {
  start_with_commands();
  auto id = id_of(create(R"({"kind":"slow"})"));
  stream text{port(), "/view-progress/" + id};
  auto pid = first_line_pid(text);
  auto rest = text.rest();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_NE(rest[0].find("timed out"), std::string::npos);
  EXPECT_FALSE(process_alive(pid));
  EXPECT_EQ(
      parse_object(request(port(), "GET", "/api/jobs/" + id).body).at("state"),
      "failed");
}

TEST_F(jobs, server_shutdown_leaves_no_command_running) {
  start_with_commands();
  auto id = id_of(create(R"({"kind":"hang"})"));
  stream text{port(), "/view-progress/" + id};
  auto pid = first_line_pid(text);
  ASSERT_GT(pid, 0);
  auto status = server_->stop(SIGTERM);
  server_.reset();
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(process_alive(pid));
}

TEST_F(jobs, only_declared_commands_run) {
  start_with_commands();
  EXPECT_EQ(create(R"({"kind":"/bin/rm"})", 400).at("error").as_string(),
            "unknown kind");
  EXPECT_EQ(create(R"({"kind":"hang; rm -rf /"})", 400).at("error").as_string(),
            "unknown kind");
  auto page = request(port(), "GET", "/");
  EXPECT_NE(page.body.find("<option value=\"hang\">"), std::string::npos);
  EXPECT_NE(page.body.find("<option value=\"demo\">"), std::string::npos);
}

TEST_F(jobs, malformed_command_declarations_stop_the_server_at_startup) {
  char path[] = "/tmp/jobcast-bad-XXXXXX";
  close(mkstemp(path));
  std::ofstream{path} << "[commands]\nbad={exec=\"relative/path\"}\n";
  auto cmd = std::string{JOBCAST_BINARY} +
             " --http.port=0 --config-file=" + path + " 2>&1";
  FILE* out = popen(cmd.c_str(), "r");
  std::string text;
  char buf[512];
  while (auto n = fread(buf, 1, sizeof(buf), out))
    text.append(buf, n);
  auto status = pclose(out);
  std::remove(path);
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(text.find("commands.bad: exec must be an absolute path"),
            std::string::npos)
      << text;
}

// -- worker pool
// ---------------------------------------------------------------

TEST_F(jobs, second_command_waits_for_the_only_worker_then_runs) {
  // Commands take a worker slot; see e2e_slots_test.cpp for the other kinds.
  start_with_commands({"--workers=1"});
  auto first = id_of(create(R"({"kind":"mixed"})"));
  auto second = create(R"({"kind":"mixed"})");
  EXPECT_EQ(second.at("state").as_string(), "queued");
  EXPECT_EQ(second.at("queue_position").as_int64(), 0);
  stream waiting{port(), "/jobs/" + id_of(second) + "/events"};
  auto events = sse_reader{waiting}.rest();
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[0].type, "status");
  EXPECT_EQ(parse_object(events[0].data).at("text").as_string(),
            "queued, 0 ahead");
  EXPECT_EQ(parse_object(events[1].data).at("text").as_string(), "started");
  EXPECT_EQ(parse_object(events[2].data).at("text").as_string(), "out1");
  EXPECT_EQ(events[5].type, "end");
  // It started only after the first one finished.
  auto a = parse_object(request(port(), "GET", "/api/jobs/" + first).body);
  auto b =
      parse_object(request(port(), "GET", "/api/jobs/" + id_of(second)).body);
  EXPECT_GE(b.at("started").as_string(), a.at("finished").as_string());
}

TEST_F(jobs, a_queued_commands_text_stream_is_silent_until_its_own_output) {
  start_with_commands({"--workers=1"});
  auto first = id_of(create(R"({"kind":"hang"})"));
  auto second = create(R"({"kind":"hang"})");
  ASSERT_EQ(second.at("state").as_string(), "queued");
  stream text{port(), "/view-progress/" + id_of(second)};
  ASSERT_EQ(text.status(), 200u);
  // The SSE view of the same job does tell the wait, as a typed event.
  stream sse{port(), "/jobs/" + id_of(second) + "/events"};
  auto status = sse_reader{sse}.next();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->type, "status");
  request(port(), "DELETE", "/api/jobs/" + first);
  // Its first chunk is its own first line (the queue status came before it
  // and is not job output); cancelling ends with the reason.
  auto line = text.next_chunk();
  ASSERT_TRUE(line);
  EXPECT_EQ(line->rfind("pid ", 0), 0u) << *line;
  request(port(), "DELETE", "/api/jobs/" + id_of(second));
  EXPECT_EQ(text.rest(), std::vector<std::string>{"cancelled\n"});
}

TEST_F(jobs, external_jobs_never_wait_for_a_worker) {
  start_with_commands({"--workers=1"});
  auto hang = create(R"({"kind":"hang"})");
  EXPECT_EQ(hang.at("state").as_string(), "running");
  // The only slot is taken, yet external jobs run and take events at once.
  auto a = create(R"({"kind":"external"})");
  auto b = create(R"({"kind":"external"})");
  for (auto* ext : {&a, &b}) {
    EXPECT_EQ(ext->at("state").as_string(), "running");
    EXPECT_EQ(publish(id_of(*ext), std::string{ext->at("token").as_string()},
                      R"({"text":"now"})")
                  .status,
              202u);
  }
  // While a command does wait.
  EXPECT_EQ(create(R"({"kind":"mixed"})").at("state").as_string(), "queued");
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/" + id_of(hang)).status, 200u);
}

// -- start token -------------------------------------------------------------

TEST_F(jobs, start_token_guards_starting_and_cancelling) {
  start({"--auth.start-token=s3cret", "--demo.interval=10s"});
  EXPECT_EQ(request(port(), "POST", "/").status, 401u);
  EXPECT_EQ(request(port(), "POST", "/",
                    {{"Content-Type", "application/x-www-form-urlencoded"}},
                    "kind=demo&token=wrong")
                .status,
            403u);
  auto ok = request(port(), "POST", "/",
                    {{"Content-Type", "application/x-www-form-urlencoded"}},
                    "kind=demo&token=s3cret");
  EXPECT_EQ(ok.status, 303u);
  create(R"({"kind":"demo"})", 401);
  create(R"({"kind":"demo"})", 403, {{"Authorization", "Bearer nope"}});
  auto job =
      create(R"({"kind":"demo"})", 201, {{"Authorization", "Bearer s3cret"}});
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/" + id_of(job)).status, 401u);
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/" + id_of(job),
                    {{"Authorization", "Bearer s3cret"}})
                .status,
            200u);
  // Watching needs no token.
  EXPECT_EQ(request(port(), "GET", "/api/jobs/" + id_of(job)).status, 200u);
}
