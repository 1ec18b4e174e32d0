#include "actors/process.hpp"

#include "actors/output_lines.hpp"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace jobcast {

namespace {

// -- between jobcast and a supervisor ----------------------------------------

/// argv[0] of a supervisor; jobcast's binary runs as one when started so.
constexpr const char* supervisor_argv0 = "jobcast-supervisor";

/// A supervisor's descriptors: 0 /dev/null, 1 and 2 the write ends of the
/// command's stdout and stderr pipes, 3 its end of the control socket.
constexpr int control_fileno = 3;

/// What a supervisor tells jobcast over the control socket, in this order:
/// `started` or `exec_failed`, then `exited`.
enum report_kind : std::int32_t {
  started = 1,     ///< value: the command's pid (and process group id)
  exec_failed = 2, ///< value: errno of fork, chdir or execve
  exited = 3,      ///< value: the command's wait status
};

struct report {
  std::int32_t kind;
  std::int32_t value;
};

bool write_all(int fd, const void* data, std::size_t size) {
  auto* p = static_cast<const char*>(data);
  while (size > 0) {
    auto n = send(fd, p, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

/// False on end of file or error before `size` bytes.
bool read_all(int fd, void* data, std::size_t size) {
  auto* p = static_cast<char*>(data);
  while (size > 0) {
    auto n = read(fd, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

void send_report(int fd, report_kind kind, int value) {
  report r{kind, value};
  write_all(fd, &r, sizeof(r)); // jobcast may be gone: nobody to tell.
}

/// The command as the supervisor needs it, NUL-separated after a length:
/// grace in ms, cwd, the number of environment entries, the entries, the
/// executable, the arguments. Sent over the socket, not on the command line,
/// so that the environment (which may hold secrets) never shows in `ps`.
std::string encode_spec(const command_spec& cmd,
                        std::chrono::milliseconds grace) {
  std::string body;
  // c_str(): a string cannot reach execve past an embedded NUL anyway.
  auto add = [&](const std::string& text) {
    body += text.c_str();
    body += '\0';
  };
  add(std::to_string(grace.count()));
  add(cmd.cwd);
  add(std::to_string(cmd.env.size() + 1));
  add("PATH=/usr/local/bin:/usr/bin:/bin");
  for (auto& [key, value] : cmd.env)
    add(key + "=" + value);
  add(cmd.exec);
  for (auto& arg : cmd.args)
    add(arg);
  auto size = static_cast<std::uint32_t>(body.size());
  return std::string(reinterpret_cast<const char*>(&size), sizeof(size)) + body;
}

// -- the supervisor
// ------------------------------------------------------------
//
// A fresh, single-threaded image of jobcast's binary: ordinary code is safe
// here, and it shares no memory with jobcast (a forked copy would keep
// jobcast's whole heap alive, page by page, for as long as the command runs).

int sigchld_pipe[2] = {-1, -1};

void on_sigchld(int) {
  int saved = errno;
  char byte = 0;
  (void)!write(sigchld_pipe[1], &byte, 1);
  errno = saved;
}

std::int64_t monotonic_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

/// Waits up to `ms` (-1: forever) for a child to change state.
void await_sigchld(int ms) {
  pollfd fd{sigchld_pipe[0], POLLIN, 0};
  poll(&fd, 1, ms);
  char buf[64];
  while (read(sigchld_pipe[0], buf, sizeof(buf)) > 0)
    ;
}

int wait_status_of(const siginfo_t& info) {
  switch (info.si_code) {
  case CLD_EXITED:
    return W_EXITCODE(info.si_status, 0);
  case CLD_DUMPED:
    return W_EXITCODE(0, info.si_status) | WCOREFLAG;
  default:
    return W_EXITCODE(0, info.si_status);
  }
}

struct supervision {
  pid_t command = -1;
  std::int64_t grace_ms = 0;
  bool reported = false; ///< jobcast was told how the command ended.
};

/// Reaps descendants re-parented to us (we are their subreaper) and reports
/// the command's end, but leaves the command itself unreaped: while its
/// zombie exists, its pid, which is the group id jobcast signals, cannot be
/// given to anyone else.
void collect(supervision& s) {
  while (!s.reported) {
    siginfo_t info{};
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid == 0)
      return;
    if (info.si_pid == s.command) {
      s.reported = true;
      send_report(control_fileno, exited, wait_status_of(info));
      return;
    }
    waitpid(info.si_pid, nullptr, WNOHANG);
  }
}

/// jobcast is done with the group, or dead: SIGTERM to the group, SIGKILL
/// after the grace, exit once no process is left in it.
[[noreturn]] void end_group(supervision& s) {
  kill(-s.command, SIGTERM);
  // A stopped process acts on SIGTERM only once it runs again.
  kill(-s.command, SIGCONT);
  auto deadline = monotonic_ms() + s.grace_ms;
  bool killed = false;
  for (;;) {
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
      if (pid == s.command && !s.reported) {
        s.reported = true;
        send_report(control_fileno, exited, status);
      }
    // The group exists while any member, zombies included, does; members
    // that are not our children become ours when their parent dies.
    if (kill(-s.command, 0) != 0 && errno == ESRCH)
      _exit(0);
    auto now = monotonic_ms();
    if (now >= deadline) {
      // Still there a second after SIGKILL: not ours to kill (another
      // user's) or stuck in the kernel. Nothing more we can do.
      if (killed)
        _exit(1);
      kill(-s.command, SIGKILL);
      killed = true;
      deadline = now + 1000;
    }
    // Children wake us; a 20 ms tick catches members that are not.
    await_sigchld(static_cast<int>(std::min<std::int64_t>(deadline - now, 20)));
  }
}

[[noreturn]] void supervise() {
  fcntl(control_fileno, F_SETFD, FD_CLOEXEC);
  prctl(PR_SET_NAME, supervisor_argv0);
  // Signals aimed at jobcast or a terminal are not for us: jobcast decides
  // when its commands stop, and a stopped supervisor could not end them.
  for (int sig :
       {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU})
    signal(sig, SIG_IGN);
  // Orphaned descendants come to us, not to init: we reap them, so that the
  // group really empties even where init does not reap.
  prctl(PR_SET_CHILD_SUBREAPER, 1);

  std::uint32_t size = 0;
  if (!read_all(control_fileno, &size, sizeof(size)))
    _exit(0); // jobcast went away before saying what to run.
  std::string body(size, '\0');
  if (!read_all(control_fileno, body.data(), size))
    _exit(0);
  std::vector<char*> fields;
  for (std::size_t i = 0; i < body.size(); i += std::strlen(&body[i]) + 1)
    fields.push_back(&body[i]);
  if (fields.size() < 4)
    _exit(2);
  supervision s;
  s.grace_ms = std::strtoll(fields[0], nullptr, 10);
  const char* cwd = fields[1];
  auto env_count = std::strtoul(fields[2], nullptr, 10);
  if (fields.size() < 4 + env_count)
    _exit(2);
  std::vector<char*> envp(fields.begin() + 3, fields.begin() + 3 + env_count);
  envp.push_back(nullptr);
  std::vector<char*> argv(fields.begin() + 3 + env_count, fields.end());
  argv.push_back(nullptr);

  int exec_error[2];
  if (pipe2(sigchld_pipe, O_CLOEXEC | O_NONBLOCK) != 0 ||
      pipe2(exec_error, O_CLOEXEC) != 0) {
    send_report(control_fileno, exec_failed, errno);
    _exit(0);
  }
  struct sigaction act {};
  act.sa_handler = on_sigchld;
  act.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigemptyset(&act.sa_mask);
  sigaction(SIGCHLD, &act, nullptr);
  auto self = getpid();
  s.command = fork();
  if (s.command == 0) {
    setpgid(0, 0);
    // Should the supervisor itself be killed, the command dies with it. Safe
    // to rely on here: the supervisor has one thread, which is the thread
    // that forked, so "parent death" cannot fire early.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != self)
      _exit(127);
    // Ignored signals would stay ignored across execve.
    for (int sig = 1; sig < NSIG; ++sig)
      signal(sig, SIG_DFL);
    if (*cwd != '\0' && chdir(cwd) != 0) {
      int e = errno;
      (void)!write(exec_error[1], &e, sizeof(e));
      _exit(127);
    }
    execve(argv[0], argv.data(), envp.data());
    int e = errno;
    (void)!write(exec_error[1], &e, sizeof(e));
    _exit(127);
  }
  if (s.command < 0) {
    send_report(control_fileno, exec_failed, errno);
    _exit(0);
  }
  // The parent sets the group too, so that the group exists by the time
  // jobcast hears the pid.
  setpgid(s.command, s.command);
  close(exec_error[1]);
  // The pipes belong to the command alone: they close when it and whatever
  // it started are done with them.
  dup2(0, 1);
  dup2(0, 2);
  int child_errno = 0;
  if (read_all(exec_error[0], &child_errno, sizeof(child_errno))) {
    while (waitpid(s.command, nullptr, 0) < 0 && errno == EINTR)
      ;
    send_report(control_fileno, exec_failed, child_errno);
    _exit(0);
  }
  close(exec_error[0]);
  send_report(control_fileno, started, s.command);

  for (;;) {
    collect(s);
    pollfd fds[2] = {{control_fileno, POLLIN, 0}, {sigchld_pipe[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      end_group(s);
    }
    if (fds[1].revents != 0)
      await_sigchld(0);
    if (fds[0].revents != 0) {
      // jobcast sends nothing after the spec: end of file (or an error)
      // means it released the group or died.
      char buf[64];
      auto n = read(control_fileno, buf, sizeof(buf));
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
        end_group(s);
    }
  }
}

/// jobcast's binary is its own supervisor: started as `jobcast-supervisor`,
/// it supervises before main() or any other of its code runs. A constructor
/// rather than a branch in main() so that every program that starts
/// commands through this file (jobcast, the tests) can supervise them, with
/// no second executable to install and find.
__attribute__((constructor)) void run_as_supervisor(int argc, char** argv,
                                                    char**) {
  if (argc != 2 || argv == nullptr || argv[0] == nullptr ||
      std::strcmp(argv[0], supervisor_argv0) != 0)
    return;
  struct stat st {};
  if (fstat(control_fileno, &st) != 0 || !S_ISSOCK(st.st_mode)) {
    static const char msg[] =
        "jobcast-supervisor: started by jobcast only, never by hand\n";
    (void)!write(2, msg, sizeof(msg) - 1);
    _exit(2);
  }
  supervise();
}

// -- jobcast's side
// ------------------------------------------------------------

/// Closes a descriptor unless released.
struct owned_fd {
  int fd = -1;
  owned_fd() = default;
  explicit owned_fd(int fd)
      : fd(fd) {}
  owned_fd(const owned_fd&) = delete;
  owned_fd& operator=(const owned_fd&) = delete;
  ~owned_fd() {
    if (fd >= 0)
      close(fd);
  }
  int release() { return std::exchange(fd, -1); }
};

/// Moves `fd` above the supervisor's 0-3, so that putting its descriptors
/// in place cannot overwrite one of them with another.
void above_fixed_fds(owned_fd& f) {
  if (f.fd > control_fileno)
    return;
  owned_fd moved{fcntl(f.fd, F_DUPFD_CLOEXEC, control_fileno + 1)};
  std::swap(f.fd, moved.fd);
}

void reap(pid_t pid, int* status = nullptr) {
  while (waitpid(pid, status, 0) < 0 && errno == EINTR)
    ;
}

} // namespace

child_process start_child(const command_spec& cmd,
                          std::chrono::milliseconds kill_grace,
                          std::string& error) {
  auto fail = [&](const std::string& what) {
    error = what + ": " + std::strerror(errno);
    return child_process{};
  };
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return fail("cannot run " + cmd.exec);
  owned_fd out_read{fds[0]}, out_write{fds[1]};
  if (pipe2(fds, O_CLOEXEC) != 0)
    return fail("cannot run " + cmd.exec);
  owned_fd err_read{fds[0]}, err_write{fds[1]};
  // Only jobcast ever holds its end (close-on-exec, and no fork between
  // here and an exec), so the supervisor reads end of file exactly when
  // jobcast is done with the command or dead.
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    return fail("cannot run " + cmd.exec);
  owned_fd control{fds[0]}, remote{fds[1]};
  owned_fd devnull{open("/dev/null", O_RDONLY | O_CLOEXEC)};
  if (devnull.fd < 0)
    return fail("cannot run " + cmd.exec);
  for (auto* f : {&out_write, &err_write, &remote, &devnull})
    above_fixed_fds(*f);
  if (out_write.fd < 0 || err_write.fd < 0 || remote.fd < 0 || devnull.fd < 0)
    return fail("cannot run " + cmd.exec);

  // posix_spawn, not fork: nothing of this multi-threaded process runs in
  // the new one before exec, and no copy of its address space is made.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, devnull.fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_write.fd, 2);
  posix_spawn_file_actions_adddup2(&actions, remote.fd, control_fileno);
  posix_spawn_file_actions_addclosefrom_np(&actions, control_fileno + 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  // A group of its own: a signal to jobcast's group (kill -9 0 in a script
  // that started jobcast) does not take the supervisor along.
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);
  std::string argv0 = supervisor_argv0, name = cmd.name;
  char* argv[] = {argv0.data(), name.data(), nullptr};
  pid_t supervisor = -1;
  int rc = posix_spawn(&supervisor, "/proc/self/exe", &actions, &attr, argv,
                       environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    errno = rc;
    return fail("cannot start a supervisor for " + cmd.exec);
  }
  for (auto* f : {&out_write, &err_write, &remote, &devnull})
    close(f->release());

  auto spec = encode_spec(cmd, kill_grace);
  report r{};
  if (!write_all(control.fd, spec.data(), spec.size()) ||
      !read_all(control.fd, &r, sizeof(r)) ||
      (r.kind != started && r.kind != exec_failed)) {
    int status = 0;
    reap(supervisor, &status);
    error = "cannot start a supervisor for " + cmd.exec + ": it ended with " +
            describe_status(status);
    return {};
  }
  if (r.kind == exec_failed) {
    reap(supervisor);
    error = "cannot run " + cmd.exec + ": " + std::strerror(r.value);
    return {};
  }
  child_process child;
  child.pid = r.value;
  child.supervisor = supervisor;
  child.out_fd = out_read.release();
  child.err_fd = err_read.release();
  child.control_fd = control.release();
  return child;
}

void signal_group(pid_t pid, int sig) {
  if (pid > 0)
    kill(-pid, sig);
}

int pump_lines(child_process& child, std::size_t max_line,
               const std::function<void(std::vector<event_input>)>& emit) {
  std::string bufs[2];
  pollfd fds[3] = {{child.out_fd, POLLIN, 0},
                   {child.err_fd, POLLIN, 0},
                   {child.control_fd, POLLIN, 0}};
  int status = 0;
  bool have_status = false;
  char data[65536];
  while (fds[0].fd >= 0 || fds[1].fd >= 0 || fds[2].fd >= 0) {
    if (poll(fds, 3, -1) < 0) {
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
      }
    }
    if (fds[2].fd >= 0 && fds[2].revents != 0) {
      report r{};
      if (read_all(fds[2].fd, &r, sizeof(r))) {
        if (r.kind == exited) {
          status = r.value;
          have_status = true;
          fds[2].fd = -1;
        }
      } else {
        // The supervisor is gone without a word (killed): nothing watches
        // over the group any more, so it ends now, not when its last pipe
        // closes. (The command itself got SIGKILL as its parent died.)
        signal_group(child.pid, SIGKILL);
        fds[2].fd = -1;
      }
    }
    if (!batch.empty())
      emit(std::move(batch));
  }
  for (int i = 0; i < 2; ++i)
    if (fds[i].fd >= 0)
      close(fds[i].fd);
  child.out_fd = child.err_fd = -1;
  if (!have_status) {
    reap(child.supervisor, &status);
    child.supervisor = -1;
  }
  return status;
}

void release_child(const child_process& child) {
  if (child.control_fd >= 0)
    shutdown(child.control_fd, SHUT_WR);
}

void reap_supervisor(child_process& child) {
  if (child.supervisor > 0)
    reap(child.supervisor);
  child.supervisor = -1;
}

void close_control(child_process& child) {
  if (child.control_fd >= 0)
    close(child.control_fd);
  child.control_fd = -1;
}

std::string describe_status(int status) {
  if (WIFEXITED(status))
    return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with status " + std::to_string(status);
}

} // namespace jobcast
