#include "support/client_process.hpp"

#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace jobcast::test {

client_process::client_process(std::vector<std::string> args) {
  int out[2];
  int err[2];
  if (pipe(out) != 0 || pipe(err) != 0)
    throw std::runtime_error("pipe failed");
  args.insert(args.begin(), JOBCAST_RUN_BINARY);
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {out[0], out[1], err[0], err[1]})
      close(fd);
    std::vector<char*> argv;
    for (auto& arg : args)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  out_reader_ = std::thread{[this, fd = out[0]] { read(fd, out_); }};
  err_reader_ = std::thread{[this, fd = err[0]] { read(fd, err_); }};
}

client_process::~client_process() {
  if (pid_ > 0) {
    // A test that failed half-way: SIGTERM first, which jobcast-run passes
    // on, so that its command does not outlive the test.
    kill(pid_, SIGTERM);
    {
      std::unique_lock<std::mutex> guard{mtx_};
      cv_.wait_for(guard, std::chrono::seconds{5}, [&] { return err_done_; });
    }
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (out_reader_.joinable())
    out_reader_.join();
  if (err_reader_.joinable())
    err_reader_.join();
}

void client_process::signal(int sig) {
  if (pid_ > 0)
    kill(pid_, sig);
}

std::optional<int> client_process::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0)
    return std::nullopt;
  // jobcast-run's stderr closes when it exits (the command's pipes are its
  // own): await that, then reap.
  {
    std::unique_lock<std::mutex> guard{mtx_};
    if (!cv_.wait_for(guard, timeout, [&] { return err_done_; })) {
      guard.unlock();
      kill(pid_, SIGKILL);
    }
  }
  int status = 0;
  waitpid(pid_, &status, 0);
  auto timed_out = [&] {
    std::lock_guard<std::mutex> guard{mtx_};
    return !err_done_;
  }();
  pid_ = -1;
  if (out_reader_.joinable())
    out_reader_.join();
  if (err_reader_.joinable())
    err_reader_.join();
  if (timed_out || (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
    return std::nullopt;
  return status;
}

bool client_process::wait_for_stderr(const std::string& text,
                                     std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> guard{mtx_};
  cv_.wait_for(guard, timeout, [&] {
    return err_.find(text) != std::string::npos || err_done_;
  });
  return err_.find(text) != std::string::npos;
}

std::string client_process::out() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return out_;
}

std::string client_process::err() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return err_;
}

void client_process::read(int fd, std::string& into) {
  char buf[4096];
  for (;;) {
    auto n = ::read(fd, buf, sizeof(buf));
    if (n <= 0)
      break;
    std::lock_guard<std::mutex> guard{mtx_};
    into.append(buf, static_cast<std::size_t>(n));
    cv_.notify_all();
  }
  close(fd);
  std::lock_guard<std::mutex> guard{mtx_};
  if (&into == &err_)
    err_done_ = true;
  cv_.notify_all();
}

} // namespace jobcast::test
