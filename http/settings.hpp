#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace jobcast {

/// The HTTP front end's configuration (the `http.*` and `limits.*` flags).
struct http_settings {
  std::string address = "127.0.0.1";
  std::uint16_t port = 3000;
  std::size_t threads = 1;
  /// Largest request header accepted (431 past it).
  std::size_t max_header_bytes = 16 * 1024;
  /// Largest request body accepted (413 past it).
  std::size_t max_body_bytes = 1024 * 1024;
  /// Unsent bytes a streaming connection may fall behind before it is
  /// dropped.
  std::size_t subscriber_buffer = 1024 * 1024;
  /// How long a client may take to send a request, and how long an idle
  /// keep-alive connection stays open.
  std::chrono::milliseconds read_timeout{30'000};
  /// The job kinds the home page offers.
  std::vector<std::string> job_kinds{"demo"};
  /// Connections accepted at once; more get 503 and are closed.
  std::size_t max_connections = 15'000;
  /// Largest text of one published event (413 past it).
  std::size_t max_event_bytes = 64 * 1024;
  /// If set, starting and cancelling jobs requires this token.
  std::string start_token;
  /// How often an idle SSE stream gets a comment and a WebSocket a ping.
  std::chrono::milliseconds heartbeat{15'000};
  /// How long a stopping server waits for streams to end.
  std::chrono::milliseconds shutdown_grace{5'000};
};

} // namespace jobcast
