#pragma once

#include "http/connection.hpp"
#include "http/settings.hpp"

namespace jobcast {

class gateway;

/// What every connection of one server shares. Owned by the server, which
/// outlives all of its connections.
struct http_context {
  gateway& actors;
  http_settings settings;
  connection_tracker connections;
};

} // namespace jobcast
