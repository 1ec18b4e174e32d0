#pragma once

// Keeps track of every open client connection, so that a stopping server can
// tell each one to wind down and wait until all are gone.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace jobcast {

/// Something that owns a client socket.
class connection {
public:
  virtual ~connection() = default;

  /// The server is stopping: finish what must be finished (a stream's last
  /// bytes) and close. May be called from any thread.
  virtual void shutdown() = 0;
};

class connection_tracker {
public:
  /// Unregisters its connection when destroyed. Move-only.
  class token {
  public:
    token() = default;
    token(connection_tracker* owner, std::uint64_t id)
        : owner_(owner)
        , id_(id) {}
    token(token&& other) noexcept
        : owner_(other.owner_)
        , id_(other.id_) {
      other.owner_ = nullptr;
    }
    token& operator=(token&& other) noexcept;
    ~token();

  private:
    connection_tracker* owner_ = nullptr;
    std::uint64_t id_ = 0;
  };

  /// Tracks `conn` until the token dies. If the server is already stopping,
  /// `conn` is told to shut down at once.
  token add(std::weak_ptr<connection> conn);

  /// Open connections.
  std::size_t size() const;

  /// Whether `shutdown_all` was called.
  bool stopping() const;

  /// Tells every connection to shut down, now and from now on.
  void shutdown_all();

  /// Blocks until no connection is left or `deadline` passes; returns whether
  /// all are gone.
  bool wait_empty(std::chrono::steady_clock::time_point deadline);

private:
  void remove(std::uint64_t id);

  mutable std::mutex mtx_;
  std::condition_variable empty_;
  std::unordered_map<std::uint64_t, std::weak_ptr<connection>> conns_;
  std::uint64_t next_id_ = 1;
  bool stopping_ = false;
};

} // namespace jobcast
