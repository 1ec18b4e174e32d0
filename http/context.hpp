#pragma once

#include "http/client_limits.hpp"
#include "http/connection.hpp"
#include "http/origin_policy.hpp"
#include "http/settings.hpp"

namespace jobcast {

class gateway;

/// What every connection of one server shares. Owned by the server, which
/// outlives all of its connections.
struct http_context {
  gateway& actors;
  http_settings settings;
  connection_tracker connections;
  /// From `settings` (the host policy once the port is known).
  host_policy hosts{};
  origin_policy origins{};
  /// From `settings`: the per-client limits.
  client_limits limits{};
};

} // namespace jobcast
