#pragma once

// Handlers for the streams of a job's events: plain text, Server-Sent
// Events and WebSocket, each one framing (framing.hpp) on the one streaming
// skeleton (stream_session.hpp). Each handler only reads where to resume and
// hands the connection over. A new transport is a framing here plus a route
// in routes.cpp.

#include "http/exchange.hpp"

#include <vector>

namespace jobcast {
class framing;
} // namespace jobcast

namespace jobcast::streams {

/// The seed's text view (from /view-progress/{id}): the job's own lines.
void text(const exchange_ptr& ex);

/// GET /jobs/{id}/events : Server-Sent Events, resumable with Last-Event-ID.
void sse(const exchange_ptr& ex);

/// GET /jobs/{id}/ws : WebSocket, resumable with ?last-event-id=.
void websocket(const exchange_ptr& ex);

/// Every framing, for /metrics.
const std::vector<const framing*>& framings();

} // namespace jobcast::streams
