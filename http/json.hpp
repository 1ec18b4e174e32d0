#pragma once

// The JSON shapes of jobcast's API: events (SSE `data:`, WebSocket frames)
// and jobs. One function per shape, so every transport says the same thing.

#include "actors/event.hpp"
#include "actors/job_info.hpp"

#include <string>
#include <string_view>

namespace jobcast {

/// `2026-11-28T06:30:00.123Z` for milliseconds since the epoch.
std::string iso_time(std::int64_t ms);

/// An event: `{"seq","type","time","text","progress"?,"state"}`.
std::string event_json(const event& ev);

/// A job: `{"id","kind","title","state","progress","created","started",
/// "finished","events","subscribers"}`.
std::string job_json(const job_info& info);

/// An error body: `{"error": ..., "detail": ...}`.
std::string error_json(std::string_view error, std::string_view detail);

} // namespace jobcast
