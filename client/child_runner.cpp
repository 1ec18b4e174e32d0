#include "client/child_runner.hpp"

#include <boost/asio/buffer.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace jobcast::run {

namespace asio = boost::asio;

namespace {

/// How long the pipes may stay open after the command exited: a process
/// that left its group (setsid) may hold them for ever.
constexpr auto pipe_linger = std::chrono::seconds{2};

/// Writes all of `data` to `fd`, waiting if it is non-blocking; false once
/// it cannot (the reader went away).
bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    auto n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, -1);
      continue;
    }
    if (n <= 0)
      return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

} // namespace

std::string describe_status(int status) {
  if (WIFEXITED(status))
    return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

int exit_code_of(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return 1;
}

child_runner::child_runner(asio::io_context& io, std::size_t max_line,
                           bool echo)
    : io_(io)
    , echo_(echo)
    // Registered before the command starts, so that its SIGCHLD is not
    // missed.
    , sigchld_(io, SIGCHLD)
    , linger_(io)
    , out_(io, max_line)
    , err_(io, max_line) {}

child_runner::~child_runner() {
  if (pid_ > 0 && !reaped_) {
    ::kill(-pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

bool child_runner::start(const std::vector<std::string>& argv, line_fn on_line,
                         exit_fn on_exit, std::string& error) {
  on_line_ = std::move(on_line);
  on_exit_ = std::move(on_exit);
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    error = std::strerror(errno);
    return false;
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    error = std::strerror(errno);
    ::close(out[0]);
    ::close(out[1]);
    return false;
  }
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_adddup2(&files, out[1], 1);
  posix_spawn_file_actions_adddup2(&files, err[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // A group of its own, as jobcast gives a declared command: signals go to
  // everything it started, and a terminal's Ctrl-C reaches jobcast-run
  // alone, which passes it on once.
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  // jobcast-run ignores SIGPIPE; the command must not inherit that.
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGCHLD})
    sigaddset(&defaults, sig);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                      POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (auto& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  auto rc = posix_spawnp(&pid_, args[0], &files, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    pid_ = -1;
    error = std::strerror(rc);
    ::close(out[0]);
    ::close(err[0]);
    return false;
  }
  out_.fd.assign(out[0]);
  err_.fd.assign(err[0]);
  out_.open = err_.open = true;
  out_.echo = err_.echo = echo_;
  read(out_, false);
  read(err_, true);
  wait_exit();
  return true;
}

void child_runner::signal(int sig) {
  if (pid_ > 0 && !reaped_)
    ::kill(-pid_, sig);
}

void child_runner::read(pipe_reader& r, bool from_stderr) {
  r.fd.async_read_some(
      asio::buffer(r.buf),
      [this, &r, from_stderr](boost::system::error_code ec, std::size_t n) {
        if (!r.open)
          return; // Closed after the linger.
        if (n > 0) {
          if (r.echo)
            r.echo = write_all(from_stderr ? 2 : 1, r.buf.data(), n);
          for (auto& line : r.lines.feed({r.buf.data(), n}))
            on_line_(std::move(line), from_stderr);
        }
        if (!ec)
          return read(r, from_stderr);
        for (auto& line : r.lines.finish())
          on_line_(std::move(line), from_stderr);
        r.open = false;
        r.fd.close();
        done_if_finished();
      });
}

void child_runner::wait_exit() {
  sigchld_.async_wait([this](boost::system::error_code ec, int) {
    if (ec)
      return;
    // Look without reaping: until it is reaped the command's pid stays its
    // group's id, so the SIGKILL below cannot reach anyone else.
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info,
                 WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid != pid_)
      return wait_exit();
    // Whatever the command left in its group goes too, as with a declared
    // command, so that the pipes close.
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
    reaped_ = true;
    linger_.expires_after(pipe_linger);
    linger_.async_wait([this](boost::system::error_code ec) {
      if (ec)
        return;
      for (auto* r : {&out_, &err_}) {
        if (!r->open)
          continue;
        r->open = false;
        r->fd.close();
        for (auto& line : r->lines.finish())
          on_line_(std::move(line), r == &err_);
      }
      done_if_finished();
    });
    done_if_finished();
  });
}

void child_runner::done_if_finished() {
  if (!reaped_ || out_.open || err_.open || !on_exit_)
    return;
  linger_.cancel();
  sigchld_.cancel();
  auto done = std::move(on_exit_);
  on_exit_ = nullptr;
  done(status_);
}

} // namespace jobcast::run
