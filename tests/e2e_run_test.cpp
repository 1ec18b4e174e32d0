// jobcast-run end to end: the real client against the real server, and
// against a server that goes away and comes back (issue 14, 2).

#include "support/api.hpp"
#include "support/client_process.hpp"
#include "support/server_test.hpp"

#include <boost/json.hpp>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace jobcast::test;
namespace json = boost::json;

namespace {

/// One event of a job's SSE stream, parsed.
struct job_event {
  std::string type;
  std::string text;
  std::string stream;
  std::string state;
  double progress = -1;
};

job_event parse_event(const sse_event& ev) {
  auto obj = parse_object(ev.data);
  job_event out;
  out.type = std::string{obj.at("type").as_string()};
  out.text = std::string{obj.at("text").as_string()};
  out.state = std::string{obj.at("state").as_string()};
  if (auto* s = obj.if_contains("stream"))
    out.stream = std::string{s->as_string()};
  if (auto* p = obj.if_contains("progress"))
    out.progress = p->to_number<double>();
  return out;
}

/// A job's events as its SSE stream gives them, one at a time.
class job_events {
public:
  job_events(std::uint16_t port, const std::string& id)
      : stream_(port, "/jobs/" + id + "/events")
      , reader_(stream_) {}

  /// The next event; fails the test at the end of the stream.
  job_event next() {
    auto ev = reader_.next(10s);
    if (!ev) {
      ADD_FAILURE() << "the stream ended";
      return {};
    }
    return parse_event(*ev);
  }

  /// Events up to and including the one whose text is `text`.
  std::vector<job_event> until(const std::string& text) {
    std::vector<job_event> seen;
    do
      seen.push_back(next());
    while (seen.back().text != text && seen.back().type != "end");
    return seen;
  }

  /// Every event to the end.
  std::vector<job_event> rest() {
    std::vector<job_event> seen;
    for (auto& ev : reader_.rest(10s))
      seen.push_back(parse_event(ev));
    return seen;
  }

private:
  stream stream_;
  sse_reader reader_;
};

/// A named pipe that a command blocks on (`read x < path`) until the test
/// writes a line: the test decides when the command goes on.
class gate {
public:
  gate() {
    char tmpl[] = "/tmp/jobcast-run-gate-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/gate";
    mkfifo(path_.c_str(), 0600);
  }
  ~gate() {
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }
  const std::string& path() const { return path_; }
  /// Lets the command go on (blocks until it is waiting).
  void open() {
    auto fd = ::open(path_.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "go\n", 3), 3);
    ::close(fd);
  }

private:
  std::string dir_;
  std::string path_;
};

class run : public server_test {
protected:
  /// The server's URL; still the same after it stopped.
  std::string url() const { return "http://127.0.0.1:" + std::to_string(at_); }

  void start(std::vector<std::string> args = {}) {
    server_test::start(std::move(args));
    at_ = port();
  }

  /// Starts jobcast-run with `options`, then `--` and `command`.
  std::unique_ptr<client_process> launch(std::vector<std::string> options,
                                         std::vector<std::string> command) {
    std::vector<std::string> args{"--server", url(), "--quiet"};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back("--");
    args.insert(args.end(), command.begin(), command.end());
    return std::make_unique<client_process>(args);
  }

  std::unique_ptr<client_process> sh(const std::string& script,
                                     std::vector<std::string> options = {}) {
    return launch(std::move(options), {"/bin/sh", "-c", script});
  }

  /// The client's exit status, which must be a plain exit.
  int exit_status(client_process& client) {
    auto status = client.wait();
    EXPECT_TRUE(status) << "jobcast-run did not exit\n" << client.err();
    if (!status)
      return -1;
    EXPECT_TRUE(WIFEXITED(*status)) << client.err();
    return WEXITSTATUS(*status);
  }

  /// Stops the server as an operator would, and checks that it went well.
  void stop_server() {
    auto status = server_->stop(SIGTERM);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << server_->output();
    server_.reset();
  }

  std::uint16_t at_ = 0;
};

TEST_F(run, lines_arrive_in_order_with_stderr_marked_and_batched) {
  start();
  auto client = sh("i=1; while [ $i -le 500 ]; do echo line $i; i=$((i+1)); "
                   "done; echo oops >&2");
  EXPECT_EQ(exit_status(*client), 0);
  EXPECT_NE(
      client->err().find("jobcast-run: job 1: " + url() + "/view-progress/1\n"),
      std::string::npos)
      << client->err();
  auto events = job_events{port(), "1"}.rest();
  ASSERT_EQ(events.size(), 502u);
  // Lines of one stream keep their order; the two pipes are read as they
  // come, so the stderr line may sit anywhere among them.
  int next = 1;
  int marked = 0;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    if (events[i].stream == "stderr") {
      EXPECT_EQ(events[i].text, "oops");
      ++marked;
      continue;
    }
    EXPECT_EQ(events[i].text, "line " + std::to_string(next++));
  }
  EXPECT_EQ(next, 501);
  EXPECT_EQ(marked, 1);
  EXPECT_EQ(events.back().type, "end");
  EXPECT_EQ(events.back().state, "succeeded");
  EXPECT_EQ(events.back().text, "exit code 0");
  // The text view marks it as it marks a declared command's stderr.
  auto text = request(port(), "GET", "/view-progress/1?format=text").body;
  EXPECT_NE(text.find("\nstderr: oops\n"), std::string::npos);
  // What arrived while a request was out went in the next one: far fewer
  // requests than lines.
  auto answered = metric(port(), "jobcast_http_responses_total{class=\"2xx\"}");
  EXPECT_GT(answered, 0);
  EXPECT_LT(answered, 100) << "lines were not batched";
}

TEST_F(run, passes_the_exit_status_through_and_ends_the_job_by_it) {
  start();
  auto failing = sh("echo bye; exit 3");
  EXPECT_EQ(exit_status(*failing), 3);
  auto events = job_events{port(), "1"}.rest();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].state, "failed");
  EXPECT_EQ(events[1].text, "exit code 3");

  auto killed = sh("kill -KILL $$");
  EXPECT_EQ(exit_status(*killed), 128 + 9);
  auto end = job_events{port(), "2"}.rest().back();
  EXPECT_EQ(end.state, "failed");
  EXPECT_EQ(end.text, "killed by signal 9");

  auto missing = launch({}, {"/nonexistent/program"});
  EXPECT_EQ(exit_status(*missing), 127);
  end = job_events{port(), "3"}.rest().back();
  EXPECT_EQ(end.state, "failed");
  EXPECT_EQ(end.text,
            "cannot run /nonexistent/program: No such file or directory");
}

TEST_F(run, sigterm_goes_to_the_command_and_cancels_the_job) {
  start();
  // sh runs the trap once the sleep in front of it ended: the sleep is in
  // the command's process group, so it gets the SIGTERM too.
  auto client = sh("trap 'echo got TERM; exit 7' TERM; echo ready; "
                   "while :; do sleep 0.05; done");
  ASSERT_TRUE(client->wait_for_stderr("job 1:")) << client->err();
  job_events events{port(), "1"};
  EXPECT_EQ(events.until("ready").back().text, "ready");
  client->signal(SIGTERM);
  // (dash may also say "Terminated" on stderr for the sleep.)
  auto after = events.until("got TERM");
  EXPECT_EQ(after.back().text, "got TERM");
  after = events.rest();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].text, "jobcast-run: SIGTERM was passed on to the "
                           "command, which ended: exit code 7");
  EXPECT_EQ(after[0].stream, "stderr");
  EXPECT_EQ(after[1].type, "end");
  EXPECT_EQ(after[1].state, "cancelled");
  // jobcast-run exits as the command did.
  EXPECT_EQ(exit_status(*client), 7);
}

TEST_F(run, progress_lines_set_the_progress_instead_of_being_published) {
  start();
  auto client = sh("echo a; echo '::progress 0.42'; echo '::progress nope'; "
                   "echo b");
  EXPECT_EQ(exit_status(*client), 0);
  auto events = job_events{port(), "1"}.rest();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].text, "a");
  EXPECT_EQ(events[1].text, "");
  EXPECT_DOUBLE_EQ(events[1].progress, 0.42);
  // Not the convention: an ordinary line.
  EXPECT_EQ(events[2].text, "::progress nope");
  EXPECT_LT(events[2].progress, 0);
  EXPECT_EQ(events[3].text, "b");
  auto info = parse_object(request(port(), "GET", "/api/jobs/1").body);
  EXPECT_DOUBLE_EQ(info.at("progress").to_number<double>(), 0.42);
  // Neither the text view nor the page shows the progress line.
  auto text = request(port(), "GET", "/view-progress/1?format=text").body;
  EXPECT_EQ(text, "a\n::progress nope\nb\nexit code 0\n");
}

TEST_F(run, takes_the_start_token_and_runs_nothing_without_it) {
  start({"--auth.start-token=s3cret"});
  // Refused: the command must not run at all.
  auto marker = "/tmp/jobcast-run-ran-" + std::to_string(getpid());
  auto refused = sh("echo ran > " + marker);
  EXPECT_EQ(exit_status(*refused), 2);
  EXPECT_NE(refused->err().find("HTTP 401 unauthorized"), std::string::npos)
      << refused->err();
  EXPECT_NE(access(marker.c_str(), F_OK), 0) << "the command ran";
  unlink(marker.c_str());
  auto listing = parse_object(request(port(), "GET", "/api/jobs").body);
  EXPECT_EQ(listing.at("total").as_int64(), 0);

  // With the token it runs; a cancel (SIGTERM) needs the token too.
  auto client = sh("echo ready; exec sleep 30", {"--token", "s3cret"});
  ASSERT_TRUE(client->wait_for_stderr("job 1:")) << client->err();
  job_events events{port(), "1"};
  events.until("ready");
  client->signal(SIGTERM);
  auto end = events.rest().back();
  EXPECT_EQ(end.state, "cancelled");
  EXPECT_EQ(exit_status(*client), 128 + SIGTERM);
}

TEST_F(run,
       holds_lines_while_the_server_is_down_and_sends_them_when_it_is_back) {
  start();
  auto where = port();
  gate first;
  gate second;
  auto client = sh("echo before; read x < " + first.path() +
                   "; echo held 1; echo held 2 >&2; echo held 3; read y < " +
                   second.path() + "; echo after");
  ASSERT_TRUE(client->wait_for_stderr("job 1:")) << client->err();
  {
    job_events events{port(), "1"};
    events.until("before");
  }
  stop_server();
  first.open();
  ASSERT_TRUE(client->wait_for_stderr("cannot reach " + url()))
      << client->err();
  // The same port again: a new server, which knows no job.
  start({"--http.port=" + std::to_string(where)});
  ASSERT_EQ(port(), where);
  ASSERT_TRUE(client->wait_for_stderr("going on in a new job\njobcast-run: "
                                      "job 1: " +
                                          url(),
                                      15s))
      << client->err();
  job_events events{port(), "1"};
  auto notice = events.next();
  EXPECT_EQ(notice.text, "jobcast-run: continues job 1, which the server no "
                         "longer knows (it restarted?); earlier output was "
                         "there");
  EXPECT_EQ(notice.stream, "stderr");
  // Each stream in its order; the two pipes are read as they come.
  std::vector<std::string> out;
  std::vector<std::string> err;
  while (out.size() + err.size() < 3) {
    auto ev = events.next();
    ASSERT_EQ(ev.type, "progress");
    (ev.stream == "stderr" ? err : out).push_back(ev.text);
  }
  EXPECT_EQ(out, (std::vector<std::string>{"held 1", "held 3"}));
  EXPECT_EQ(err, (std::vector<std::string>{"held 2"}));
  second.open();
  auto rest = events.rest();
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].text, "after");
  EXPECT_EQ(rest[1].state, "succeeded");
  EXPECT_EQ(exit_status(*client), 0);
  EXPECT_EQ(client->err().find("could not be sent"), std::string::npos)
      << client->err();
}

TEST_F(run, a_server_that_never_comes_back_is_reported_with_a_count) {
  start();
  gate go;
  auto client = sh("echo before; read x < " + go.path() +
                       "; echo lost 1; echo lost 2; echo lost 3; exit 4",
                   {"--hold-lines", "2", "--drain-timeout", "1s"});
  ASSERT_TRUE(client->wait_for_stderr("job 1:")) << client->err();
  {
    job_events events{port(), "1"};
    events.until("before");
  }
  stop_server();
  go.open();
  // The command's own status, after the drain timeout.
  EXPECT_EQ(exit_status(*client), 4);
  auto err = client->err();
  EXPECT_NE(err.find("cannot reach " + url()), std::string::npos) << err;
  EXPECT_NE(err.find("jobcast-run: 3 lines of output could not be sent to " +
                     url() +
                     " (1 gave way to --hold-lines, 0 refused, 2 "
                     "still held)"),
            std::string::npos)
      << err;
}

} // namespace
