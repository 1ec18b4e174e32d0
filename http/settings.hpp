#pragma once

#include "actors/job_info.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace jobcast {

class access_verifier;

/// The HTTP front end's configuration (the `http.*` and `limits.*` flags,
/// bound to these fields in main.cpp). Durations are nanoseconds, CAF's
/// timespan, so that the flags bind to them directly.
struct http_settings {
  std::string address = "127.0.0.1";
  std::uint16_t port = 3000;
  /// `Host` values answered (421 otherwise). Empty: the loopback names when
  /// bound to a loopback address, any host otherwise (see
  /// http/origin_policy.hpp).
  std::vector<std::string> allowed_hosts;
  /// Other sites' origins (`https://app.example.com`) whose pages may
  /// start and cancel jobs, publish and open WebSockets from a browser.
  std::vector<std::string> cors_origins;
  /// Proxies (addresses, CIDR ranges) whose X-Forwarded-For names the
  /// client that the per-client limits count (http/client_address.hpp).
  std::vector<std::string> trusted_proxies;
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
  std::chrono::nanoseconds read_timeout = std::chrono::seconds{30};
  /// What the front end knows of the job kinds (the registry's table).
  std::vector<kind_info> kinds;
  /// Connections accepted at once; more get 503 and are closed.
  std::size_t max_connections = 15'000;
  /// Jobs one client may start a minute, as many at once; more get 429.
  /// 0: off.
  std::size_t starts_per_minute = 0;
  /// Connections one client may hold open; more get 429. 0: off.
  std::size_t connections_per_ip = 0;
  /// Largest text of one published event (413 past it).
  std::size_t max_event_bytes = 64 * 1024;
  /// If set, starting and cancelling jobs requires this token.
  std::string start_token;
  /// `--auth.jwt-key`: an HMAC secret or the path of a PEM public key. If
  /// set, reads need a signed access token too (http/access_token.hpp).
  std::string jwt_key;
  /// Built from `jwt_key` by main.cpp (which refuses an unusable key);
  /// null: no access tokens, every read is open.
  std::shared_ptr<const access_verifier> access;
  /// `/metrics` without an access token even when `jwt_key` is set.
  bool public_metrics = false;
  /// How often an idle SSE stream gets a comment and a WebSocket a ping.
  std::chrono::nanoseconds heartbeat = std::chrono::seconds{15};
  /// A stream whose socket takes none of its waiting bytes for this long is
  /// closed; also the streams' TCP_USER_TIMEOUT. 0: off.
  std::chrono::nanoseconds write_timeout = std::chrono::seconds{30};
  /// How long a streamed publish may go without a byte before it is
  /// answered 408: the external jobs' idle timeout (--jobs.idle-timeout).
  std::chrono::nanoseconds publisher_idle_timeout = std::chrono::minutes{10};
  /// How long a stopping server waits for streams to end.
  std::chrono::nanoseconds shutdown_grace = std::chrono::seconds{5};
};

} // namespace jobcast
