#include "support/redis_server.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <hiredis/hiredis.h>
#include <memory>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace jobcast::test {

namespace {

/// A port nobody listens on right now: bind port 0, read it, close.
/// redis-server has no `--port 0`, and another process may take the port
/// before redis binds it: the caller retries on a collision.
std::uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::string render(const redisReply& r) {
  switch (r.type) {
  case REDIS_REPLY_INTEGER:
    return std::to_string(r.integer);
  case REDIS_REPLY_NIL:
    return "(nil)";
  case REDIS_REPLY_ERROR:
    return "(error) " + std::string{r.str, r.len};
  case REDIS_REPLY_ARRAY: {
    std::string out;
    for (std::size_t i = 0; i < r.elements; ++i)
      out += (i ? "," : "") + render(*r.element[i]);
    return out;
  }
  default:
    return {r.str, r.len};
  }
}

constexpr std::string_view ready_line = "Ready to accept connections";

} // namespace

redis_server::redis_server(std::vector<std::string> args)
    : args_{std::move(args)} {
  char dir[] = "/tmp/jobcast-redis-XXXXXX";
  if (!mkdtemp(dir))
    throw std::runtime_error("mkdtemp failed");
  dir_ = dir;
  for (int attempt = 0; attempt < 20; ++attempt) {
    port_ = free_port();
    if (launch())
      return;
  }
  std::filesystem::remove_all(dir_);
  throw std::runtime_error("redis-server found no free port: " + output());
}

redis_server::~redis_server() {
  kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string redis_server::url(std::uint32_t db) const {
  return "redis://127.0.0.1:" + std::to_string(port_) + "/" +
         std::to_string(db);
}

bool redis_server::launch() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    lines_.clear();
    eof_ = false;
  }
  int fds[2];
  if (pipe(fds) != 0)
    throw std::runtime_error("pipe failed");
  std::vector<std::string> argv_strings{"redis-server",
                                        "--port",
                                        std::to_string(port_),
                                        "--bind",
                                        "127.0.0.1",
                                        "--save",
                                        "",
                                        "--appendonly",
                                        "no",
                                        "--dir",
                                        dir_,
                                        "--logfile",
                                        "",
                                        "--daemonize",
                                        "no"};
  argv_strings.insert(argv_strings.end(), args_.begin(), args_.end());
  pid_ = fork();
  if (pid_ == 0) {
    // Dies with the test binary, whatever kills it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    for (auto& arg : argv_strings)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  reader_ = std::thread{[this, fd = fds[0]] { read_output(fd); }};
  bool ready = false;
  {
    // redis-server says when it listens, or exits (a taken port, say).
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait_for(guard, std::chrono::seconds{10}, [&] {
      for (auto& line : lines_)
        if (line.find(ready_line) != std::string::npos)
          ready = true;
      return ready || eof_;
    });
  }
  if (!ready) {
    bool taken = output().find("Address already in use") != std::string::npos;
    kill();
    if (taken)
      return false;
    throw std::runtime_error("redis-server did not start: " + output());
  }
  // And it answers: PING on a connection of our own.
  if (command({"PING"}) != "PONG")
    throw std::runtime_error("redis-server does not answer PING: " + output());
  return true;
}

void redis_server::read_output(int fd) {
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

void redis_server::pause() {
  if (pid_ > 0)
    ::kill(pid_, SIGSTOP);
}

void redis_server::resume() {
  if (pid_ > 0)
    ::kill(pid_, SIGCONT);
}

void redis_server::kill() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    reap();
  }
  if (reader_.joinable())
    reader_.join();
}

void redis_server::reap() {
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void redis_server::restart() {
  kill();
  if (!launch())
    throw std::runtime_error("port " + std::to_string(port_) +
                             " was taken while redis-server was down");
}

std::string redis_server::command(const std::vector<std::string>& args,
                                  std::uint32_t db) const {
  timeval tv{5, 0};
  std::unique_ptr<redisContext, void (*)(redisContext*)> c{
      redisConnectWithTimeout("127.0.0.1", port_, tv), redisFree};
  if (!c || c->err)
    throw std::runtime_error("cannot connect to redis-server: " +
                             std::string{c ? c->errstr : "out of memory"});
  redisSetTimeout(c.get(), tv);
  auto run = [&](const std::vector<std::string>& command) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (auto& arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    auto* raw = redisCommandArgv(c.get(), static_cast<int>(argv.size()),
                                 argv.data(), lengths.data());
    if (!raw)
      throw std::runtime_error("redis-server did not answer: " +
                               std::string{c->errstr});
    std::unique_ptr<redisReply, void (*)(void*)> r{
        static_cast<redisReply*>(raw), freeReplyObject};
    return render(*r);
  };
  if (db != 0)
    run({"SELECT", std::to_string(db)});
  return run(args);
}

std::string redis_server::output() const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::string result;
  for (auto& line : lines_)
    result += line + '\n';
  return result;
}

} // namespace jobcast::test
