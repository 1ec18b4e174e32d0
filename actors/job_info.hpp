#pragma once

// Plain descriptions of jobs, shared by the actors and the HTTP front end.

#include "actors/event.hpp"

#include <cstdint>
#include <string>

namespace jobcast {

/// What a client asks for when it starts a job.
struct job_spec {
  std::string kind = "demo";
  std::string title;
  /// For jobs published from outside: the hash of their publish token. The
  /// token itself is never stored.
  std::string token_hash;
};

/// One event as a publisher hands it in.
struct event_input {
  std::string text;
  double progress = -1.0; ///< 0..1, or negative for none.
  bool from_stderr = false;
};

/// A snapshot of one job, as its job actor sees it.
struct job_info {
  job_id id = 0;
  std::string kind;
  std::string title;
  job_state state = job_state::queued;
  std::int64_t created_ms = 0;
  std::int64_t started_ms = 0;  ///< 0 while queued.
  std::int64_t finished_ms = 0; ///< 0 until the job ends.
  std::uint64_t events = 0;     ///< Events published so far, end included.
  double progress = event::no_progress;
  std::uint32_t subscribers = 0;
  std::uint32_t queue_position = 0; ///< Jobs ahead of it while queued.
};

/// jobcast's error codes; in CAF errors, the category "jobcast".
enum class errc : std::uint8_t {
  internal = 0,    ///< Anything else: an actor died, a timeout.
  unknown_job = 1, ///< No job with that id (never created, or expired).
  unknown_kind,    ///< No job kind of that name.
  job_finished,    ///< The job has already ended.
  forbidden,       ///< Wrong or missing publish token.
  not_running,     ///< The job is still queued.
  too_many,        ///< The job has as many subscribers as it may have.
};

/// Why a stream ends other than through the job's own end event.
enum class stream_close {
  finished,      ///< The job ended before the requested position.
  unknown_job,   ///< No such job (never created, or expired).
  job_lost,      ///< The job actor went away without an end event.
  shutting_down, ///< The server is stopping.
  overloaded,    ///< The job has all the subscribers it may have.
  too_slow,      ///< The client fell too far behind and is dropped.
};

} // namespace jobcast
