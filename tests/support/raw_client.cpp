#include "support/raw_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace jobcast::test {

raw_client::raw_client(std::uint16_t port, int rcvbuf) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (rcvbuf > 0)
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

raw_client::raw_client(const std::string& from, const std::string& to,
                       std::uint16_t port) {
  auto v6 = to.find(':') != std::string::npos;
  fd_ = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  sockaddr_storage local{}, remote{};
  socklen_t len = 0;
  auto fill = [&](sockaddr_storage& out, const std::string& address,
                  std::uint16_t p) {
    if (v6) {
      auto& a = reinterpret_cast<sockaddr_in6&>(out);
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(p);
      len = sizeof(a);
      return inet_pton(AF_INET6, address.c_str(), &a.sin6_addr) == 1;
    }
    auto& a = reinterpret_cast<sockaddr_in&>(out);
    a.sin_family = AF_INET;
    a.sin_port = htons(p);
    len = sizeof(a);
    return inet_pton(AF_INET, address.c_str(), &a.sin_addr) == 1;
  };
  if (!fill(local, from, 0) ||
      bind(fd_, reinterpret_cast<sockaddr*>(&local), len) != 0 ||
      !fill(remote, to, port) ||
      connect(fd_, reinterpret_cast<sockaddr*>(&remote), len) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

raw_client::raw_client(raw_client&& other) noexcept
    : fd_(other.fd_) {
  other.fd_ = -1;
}

raw_client::~raw_client() {
  if (fd_ >= 0)
    close(fd_);
}

void raw_client::send(const std::string& text) {
  (void)!::send(fd_, text.data(), text.size(), MSG_NOSIGNAL);
}

std::string raw_client::read_until(const std::string& marker,
                                   std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<long>(timeout.count() / 1000);
  tv.tv_usec = static_cast<long>((timeout.count() % 1000) * 1000);
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::string result;
  char buf[65536];
  while (marker.empty() || result.find(marker) == std::string::npos) {
    auto n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0)
      break;
    result.append(buf, static_cast<std::size_t>(n));
  }
  return result;
}

void raw_client::reset() {
  linger lin{1, 0};
  setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
  close(fd_);
  fd_ = -1;
}

} // namespace jobcast::test
