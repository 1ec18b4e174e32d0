#pragma once

// The JSON shapes of jobcast's API: events (SSE `data:`, WebSocket frames)
// and jobs. One function per shape, so every transport says the same thing.

#include "actors/event.hpp"
#include "actors/job_info.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace jobcast {

/// `2026-11-28T06:30:00.123Z` for milliseconds since the epoch.
std::string iso_time(std::int64_t ms);

/// An event: `{"seq","type","time","text","progress"?,"state"}`.
std::string event_json(const event& ev);

/// A job: `{"id","kind","title","state","progress","created","started",
/// "finished","events","subscribers"}`.
/// With `token` non-empty, the reply to creating an external job, which
/// shows its publish token this once.
std::string job_json(const job_info& info, std::string_view token = {});

/// `{"seqs": [...]}`: the sequence numbers given to published events.
std::string seqs_json(const std::vector<std::uint64_t>& seqs);

/// `{"events": n, "first": a, "last": b}`: what a streamed publish took
/// (sequence numbers `a` to `b`; without them when `n` is 0).
std::string seq_range_json(std::uint64_t events, std::uint64_t first,
                           std::uint64_t last);

/// An error body: `{"error": ..., "detail": ...}`.
std::string error_json(std::string_view error, std::string_view detail);

} // namespace jobcast
