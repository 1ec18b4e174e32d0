// Containment of command processes, end to end: whatever way jobcast ends
// (kill -9, a crash, a graceful stop) and whenever a job is cancelled, the
// command's whole process group ends with it, grandchildren included. The
// processes are found under /proc by their process group id, so a leftover
// cannot hide by having been re-parented.

#include "support/server_test.hpp"

#include <boost/json.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <sys/prctl.h>
#include <sys/wait.h>

using namespace jobcast::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

/// What /proc/<pid>/stat says about one process.
struct proc_info {
  pid_t pid = -1;
  char state = '?';
  pid_t ppid = -1;
  pid_t pgid = -1;
};

std::optional<proc_info> read_proc(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text;
  if (!std::getline(in, text))
    return std::nullopt;
  // The command name (field 2) may contain spaces and parentheses: the
  // fields after it start after the last ')'.
  auto close = text.rfind(')');
  if (close == std::string::npos)
    return std::nullopt;
  std::istringstream rest{text.substr(close + 1)};
  proc_info info;
  info.pid = pid;
  rest >> info.state >> info.ppid >> info.pgid;
  if (!rest)
    return std::nullopt;
  return info;
}

/// Every process (zombies included) whose process group is `pgid`. Zombies
/// re-parented to this test are reaped first, as a proper init would.
std::vector<proc_info> group_members(pid_t pgid) {
  std::vector<proc_info> result;
  DIR* dir = opendir("/proc");
  if (!dir)
    return result;
  while (auto* entry = readdir(dir)) {
    char* end = nullptr;
    auto pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0')
      continue;
    auto info = read_proc(static_cast<pid_t>(pid));
    if (!info || info->pgid != pgid)
      continue;
    if (info->state == 'Z' && info->ppid == getpid() &&
        waitpid(info->pid, nullptr, WNOHANG) == info->pid)
      continue;
    result.push_back(*info);
  }
  closedir(dir);
  return result;
}

std::string describe(const std::vector<proc_info>& procs) {
  std::string text;
  for (auto& p : procs)
    text += "pid " + std::to_string(p.pid) + " state " + p.state + " ppid " +
            std::to_string(p.ppid) + "; ";
  return text.empty() ? "none" : text;
}

/// A config file with the commands these tests run.
std::string write_config() {
  char path[] = "/tmp/jobcast-process-test-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  std::ofstream out{path};
  out << "[commands]\n"
         // A child and a grandchild, both in the command's group.
         "tree={exec=\"/bin/sh\", args=[\"-c\", \"echo pid $$; sleep 300 & "
         "sleep 300\"]}\n"
         // The same, but the whole tree ignores SIGTERM (an ignored signal
         // stays ignored across fork and exec).
         "deaf={exec=\"/bin/sh\", args=[\"-c\", \"trap '' TERM; echo pid $$; "
         "sleep 300 & sleep 300\"]}\n";
  return path;
}

class process : public server_test {
protected:
  void SetUp() override {
    // jobcast's own children are re-parented to the nearest subreaper when
    // it is killed. Making this test that subreaper lets it reap them, so
    // that no zombie outlives the test on a host whose init does not reap.
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    config_ = write_config();
  }

  void TearDown() override {
    server_test::TearDown();
    // Whatever a failed test left behind goes now, not in 300 s.
    for (auto pgid : groups_)
      if (pgid > 0)
        kill(-pgid, SIGKILL);
    while (waitpid(-1, nullptr, WNOHANG) > 0)
      ;
    std::remove(config_.c_str());
  }

  void start_server(std::vector<std::string> extra = {}) {
    extra.push_back("--config-file=" + config_);
    start(std::move(extra));
  }

  /// Stops the server with `sig` and waits for it; TearDown then has nothing
  /// left to check.
  int kill_server(int sig) {
    auto status = server_->stop(sig);
    server_.reset();
    return status;
  }

  std::string create(std::uint16_t on_port, const std::string& kind) {
    auto res = request(on_port, "POST", "/api/jobs",
                       {{"Content-Type", "application/json"}},
                       R"({"kind":")" + kind + R"("})");
    EXPECT_EQ(res.status, 201u) << res.body;
    return std::to_string(json::parse(res.body).at("id").as_int64());
  }

  /// Reads the command's first line ("pid N"), waits until its group holds
  /// the shell's child and grandchild, and returns the group id.
  pid_t running_group(stream& text) {
    auto line = text.next_chunk();
    EXPECT_TRUE(line && line->rfind("pid ", 0) == 0);
    if (!line || line->rfind("pid ", 0) != 0)
      return -1;
    auto info = read_proc(std::stoi(line->substr(4)));
    EXPECT_TRUE(info);
    if (!info)
      return -1;
    groups_.push_back(info->pgid);
    // The shell itself, the background sleep and the foreground one (or the
    // shell having become that one by exec).
    EXPECT_TRUE(
        eventually([&] { return group_members(info->pgid).size() >= 2; }, 5s))
        << describe(group_members(info->pgid));
    leader_parent_ = info->ppid;
    return info->pgid;
  }

  /// Waits up to `limit` for the group to be empty; returns how long it
  /// took.
  std::chrono::milliseconds await_empty(pid_t pgid,
                                        std::chrono::milliseconds limit) {
    auto begin = clock_type::now();
    EXPECT_TRUE(eventually([&] { return group_members(pgid).empty(); }, limit))
        << "left in group " << pgid << ": " << describe(group_members(pgid));
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        clock_type::now() - begin);
  }

  /// The process that watched over the command (its parent) ends too, once
  /// its group is gone: it is re-parented to this test, which reaps it.
  void expect_supervisor_gone(pid_t server) {
    ASSERT_NE(leader_parent_, server)
        << "the command is jobcast's own child: nothing watches over it";
    EXPECT_TRUE(eventually(
        [&] {
          return waitpid(leader_parent_, nullptr, WNOHANG) == leader_parent_ ||
                 !read_proc(leader_parent_);
        },
        5s));
  }

  /// After the server died by `sig`: the group must be gone within 2 s.
  void expect_crash_contained(int sig) {
    start_server({"--jobs.kill-grace=2s"});
    auto id = create(port(), "tree");
    stream text{port(), "/view-progress/" + id};
    auto pgid = running_group(text);
    ASSERT_GT(pgid, 0);
    auto server = server_->pid();
    auto status = kill_server(sig);
    ASSERT_TRUE(WIFSIGNALED(status));
    // Under AddressSanitizer its SIGSEGV handler turns the crash into an
    // abort: a crash all the same.
    if (sig != SIGSEGV || WTERMSIG(status) != SIGABRT) {
      EXPECT_EQ(WTERMSIG(status), sig);
    }
    auto took = await_empty(pgid, 2s);
    std::cout << "group " << pgid << " gone " << took.count()
              << " ms after jobcast died of signal " << sig << std::endl;
    expect_supervisor_gone(server);
  }

  std::string config_;
  std::vector<pid_t> groups_;
  pid_t leader_parent_ = -1;
};

} // namespace

TEST_F(process, kill_9_of_the_server_ends_the_command_and_its_grandchild) {
  expect_crash_contained(SIGKILL);
}

TEST_F(process, crash_of_the_server_ends_the_command_and_its_grandchild) {
  expect_crash_contained(SIGSEGV);
}

TEST_F(process, cancel_ends_a_tree_that_ignores_sigterm_after_the_grace) {
  start_server({"--jobs.kill-grace=300ms"});
  auto id = create(port(), "deaf");
  stream text{port(), "/view-progress/" + id};
  auto pgid = running_group(text);
  ASSERT_GT(pgid, 0);
  auto begin = clock_type::now();
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/" + id).status, 200u);
  EXPECT_EQ(text.rest(), std::vector<std::string>{"cancelled\n"});
  await_empty(pgid, 5s);
  // SIGTERM first; SIGKILL only once the grace has passed.
  EXPECT_GE(clock_type::now() - begin, 300ms);
}

TEST_F(process, graceful_stop_ends_a_tree_that_ignores_sigterm) {
  start_server({"--jobs.kill-grace=300ms"});
  auto id = create(port(), "deaf");
  stream text{port(), "/view-progress/" + id};
  auto pgid = running_group(text);
  ASSERT_GT(pgid, 0);
  auto status = kill_server(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // jobcast exits only once its commands are gone: nothing is left even
  // the moment it has exited.
  EXPECT_TRUE(group_members(pgid).empty()) << describe(group_members(pgid));
  await_empty(pgid, 5s);
}

TEST_F(process, killed_supervisor_fails_the_job_and_leaves_nothing) {
  start_server({"--jobs.kill-grace=300ms"});
  auto id = create(port(), "tree");
  stream text{port(), "/view-progress/" + id};
  auto pgid = running_group(text);
  ASSERT_GT(pgid, 0);
  ASSERT_NE(leader_parent_, server_->pid())
      << "the command is jobcast's own child: nothing watches over it";
  kill(leader_parent_, SIGKILL);
  EXPECT_EQ(text.rest(), std::vector<std::string>{"killed by signal 9\n"});
  await_empty(pgid, 5s);
}

TEST_F(process, restarted_server_leaves_the_old_groups_alone_and_keeps_none) {
  start_server({"--jobs.kill-grace=2s"});
  auto first = create(port(), "tree");
  stream old_text{port(), "/view-progress/" + first};
  auto old_group = running_group(old_text);
  ASSERT_GT(old_group, 0);
  kill_server(SIGKILL);
  // A new jobcast right away, while the old command may still be ending.
  start_server({"--jobs.kill-grace=2s"});
  auto jobs = json::parse(request(port(), "GET", "/api/jobs").body);
  EXPECT_TRUE(jobs.at("jobs").as_array().empty()) << jobs;
  auto second = create(port(), "tree");
  stream new_text{port(), "/view-progress/" + second};
  auto new_group = running_group(new_text);
  ASSERT_GT(new_group, 0);
  await_empty(old_group, 2s);
  // The new command is untouched by the old one's end.
  EXPECT_GE(group_members(new_group).size(), 2u);
  auto job = json::parse(request(port(), "GET", "/api/jobs/" + second).body);
  EXPECT_EQ(job.at("state").as_string(), "running");
  EXPECT_EQ(request(port(), "DELETE", "/api/jobs/" + second).status, 200u);
  await_empty(new_group, 5s);
}
