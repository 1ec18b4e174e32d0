#include "actors/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace jobcast {

namespace {

/// Length of the valid UTF-8 sequence at `in[i]`, or 0 if invalid.
std::size_t utf8_sequence(std::string_view in, std::size_t i) {
  auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(in[i + k]);
  };
  auto cont = [&](std::size_t k) {
    return i + k < in.size() && (byte(k) & 0xC0) == 0x80;
  };
  auto c = byte(0);
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2))
      return 0;
    if (c == 0xE0 && byte(1) < 0xA0)
      return 0; // Overlong.
    if (c == 0xED && byte(1) >= 0xA0)
      return 0; // Surrogates.
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3))
      return 0;
    if (c == 0xF0 && byte(1) < 0x90)
      return 0;
    if (c == 0xF4 && byte(1) >= 0x90)
      return 0; // Past U+10FFFF.
    return 4;
  }
  return 0;
}

/// Splits `buf` into lines; keeps the unfinished rest in `buf`.
void take_lines(std::string& buf, bool from_stderr, std::size_t max_line,
                bool at_eof, std::vector<event_input>& out) {
  std::size_t start = 0;
  for (;;) {
    auto nl = buf.find('\n', start);
    if (nl == std::string::npos) {
      if (buf.size() - start >= max_line || (at_eof && start < buf.size())) {
        auto len = std::min(buf.size() - start, max_line);
        out.push_back(
            {sanitize_utf8({buf.data() + start, len}), -1.0, from_stderr});
        start += len;
        continue;
      }
      break;
    }
    auto len = nl - start;
    if (len > 0 && buf[nl - 1] == '\r')
      --len;
    for (std::size_t off = 0; off < len || off == 0; off += max_line) {
      auto piece = std::min(max_line, len - off);
      out.push_back({sanitize_utf8({buf.data() + start + off, piece}), -1.0,
                     from_stderr});
      if (len == 0)
        break;
    }
    start = nl + 1;
  }
  buf.erase(0, start);
}

} // namespace

bool is_valid_utf8(std::string_view in) {
  for (std::size_t i = 0; i < in.size();) {
    auto n = utf8_sequence(in, i);
    if (n == 0)
      return false;
    i += n;
  }
  return true;
}

std::string sanitize_utf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    auto n = utf8_sequence(in, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(in.data() + i, n);
      i += n;
    }
  }
  return out;
}

child_process start_child(const command_spec& cmd, std::string& error) {
  // Everything the child needs is prepared before fork(): between fork and
  // exec only async-signal-safe calls are allowed.
  std::vector<std::string> args{cmd.exec};
  args.insert(args.end(), cmd.args.begin(), cmd.args.end());
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env{"PATH=/usr/local/bin:/usr/bin:/bin"};
  for (auto& [key, value] : cmd.env)
    env.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& e : env)
    envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int out[2], err[2], status[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    error = std::strerror(errno);
    return {};
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    error = std::strerror(errno);
    close(out[0]);
    close(out[1]);
    return {};
  }
  if (pipe2(status, O_CLOEXEC) != 0) {
    error = std::strerror(errno);
    for (int fd : {out[0], out[1], err[0], err[1]})
      close(fd);
    return {};
  }
  auto pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    // Close everything else but the status pipe, which reports exec errors
    // and closes by itself on a successful exec (O_CLOEXEC).
    int fd = status[1];
    for (long i = 3, n = sysconf(_SC_OPEN_MAX); i < n; ++i)
      if (i != fd)
        close(static_cast<int>(i));
    if (!cmd.cwd.empty() && chdir(cmd.cwd.c_str()) != 0) {
      int e = errno;
      (void)!write(fd, &e, sizeof(e));
      _exit(127);
    }
    execve(argv[0], argv.data(), envp.data());
    int e = errno;
    (void)!write(fd, &e, sizeof(e));
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  close(status[1]);
  if (pid < 0) {
    error = std::strerror(errno);
    for (int fd : {out[0], err[0], status[0]})
      close(fd);
    return {};
  }
  // The parent sets the group too, so that a kill right away cannot miss.
  setpgid(pid, pid);
  int child_errno = 0;
  auto n = read(status[0], &child_errno, sizeof(child_errno));
  close(status[0]);
  if (n == static_cast<ssize_t>(sizeof(child_errno))) {
    error = "cannot run " + cmd.exec + ": " + std::strerror(child_errno);
    waitpid(pid, nullptr, 0);
    close(out[0]);
    close(err[0]);
    return {};
  }
  return {pid, out[0], err[0]};
}

void signal_group(pid_t pid, int sig) {
  if (pid > 0)
    kill(-pid, sig);
}

int pump_lines(const child_process& child, std::size_t max_line,
               const std::function<void(std::vector<event_input>)>& emit) {
  std::string bufs[2];
  pollfd fds[2] = {{child.out_fd, POLLIN, 0}, {child.err_fd, POLLIN, 0}};
  int open_fds = 2;
  char data[65536];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    std::vector<event_input> batch;
    // Drain stdout before stderr within one wake-up; across wake-ups the
    // order is the order in which the lines became readable.
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0)
        continue;
      auto n = read(fds[i].fd, data, sizeof(data));
      if (n > 0) {
        bufs[i].append(data, static_cast<std::size_t>(n));
        take_lines(bufs[i], i == 1, max_line, false, batch);
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        take_lines(bufs[i], i == 1, max_line, true, batch);
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
    if (!batch.empty())
      emit(std::move(batch));
  }
  int status = 0;
  while (waitpid(child.pid, &status, 0) < 0 && errno == EINTR)
    ;
  return status;
}

std::string describe_status(int status) {
  if (WIFEXITED(status))
    return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with status " + std::to_string(status);
}

} // namespace jobcast
