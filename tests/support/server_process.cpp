#include "support/server_process.hpp"

#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace jobcast::test {

server_process::server_process(std::vector<std::string> args) {
  int fds[2];
  if (pipe(fds) != 0)
    throw std::runtime_error("pipe failed");
  args.insert(args.begin(), "--http.port=0");
  // JOBCAST_TEST_BINARY runs the suite against another build, e.g. the
  // commit before a change, to see its tests fail there.
  const char* binary = std::getenv("JOBCAST_TEST_BINARY");
  args.insert(args.begin(), binary && *binary ? binary : JOBCAST_BINARY);
  pid_ = fork();
  if (pid_ == 0) {
    // A test binary that dies (a failed assertion with a thread still
    // joinable, say) takes its servers with it instead of leaving them.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    for (auto& arg : args)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  reader_ = std::thread{[this, fd = fds[0]] { read_output(fd); }};
  const std::string marker = "listening on http://";
  if (!wait_for_output(marker)) {
    stop(SIGKILL);
    throw std::runtime_error("jobcast did not start: " + output());
  }
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& line : lines_) {
    auto pos = line.find(marker);
    if (pos != std::string::npos) {
      auto colon = line.rfind(':');
      port_ = static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
    }
  }
}

server_process::~server_process() {
  if (pid_ > 0)
    stop(SIGKILL);
  if (reader_.joinable())
    reader_.join();
}

int server_process::stop(int signal) {
  if (pid_ <= 0)
    return -1;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (reader_.joinable())
    reader_.join();
  return status;
}

void server_process::read_output(int fd) {
  std::string pending;
  char buf[4096];
  for (;;) {
    auto n = read(fd, buf, sizeof(buf));
    if (n <= 0)
      break;
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t pos;
    while ((pos = pending.find('\n')) != std::string::npos) {
      std::lock_guard<std::mutex> guard{mtx_};
      lines_.push_back(pending.substr(0, pos));
      pending.erase(0, pos + 1);
      cv_.notify_all();
    }
  }
  close(fd);
  std::lock_guard<std::mutex> guard{mtx_};
  if (!pending.empty())
    lines_.push_back(pending);
  eof_ = true;
  cv_.notify_all();
}

bool server_process::wait_for_output(const std::string& text,
                                     std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> guard{mtx_};
  return cv_.wait_for(guard, timeout, [&] {
    for (auto& line : lines_)
      if (line.find(text) != std::string::npos)
        return true;
    return eof_;
  }) && [&] {
    for (auto& line : lines_)
      if (line.find(text) != std::string::npos)
        return true;
    return false;
  }();
}

std::string server_process::output() const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::string result;
  for (auto& line : lines_)
    result += line + '\n';
  return result;
}

} // namespace jobcast::test
