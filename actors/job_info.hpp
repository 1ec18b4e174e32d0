#pragma once

// Plain descriptions of jobs, shared by the actors and the HTTP front end.

#include "actors/event.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

/// What the HTTP front end knows of a job kind (see job_kinds.hpp).
struct kind_info {
  std::string name;
  /// Starting one mints a publish token (an external job).
  bool needs_token = false;
  /// The home page's form offers it.
  bool offered = false;
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

/// Which jobs a listing shows: `?state=&limit=&offset=` of `GET /api/jobs`.
struct job_query {
  std::optional<job_state> state;
  std::size_t limit = 50;
  std::size_t offset = 0;
};

/// Where a viewer asks its stream to start.
struct resume_point {
  /// Send the events after this sequence number.
  std::uint64_t after = 0;
  /// The instance of the job `after` belongs to; 0 for the current one (a
  /// client that sent a bare number).
  epoch_t epoch = 0;
  /// False if the client sent a resume point that could not be read.
  bool readable = true;
};

/// A page of the registry's job list.
struct job_listing {
  /// The jobs that match, newest first, `offset` and `limit` applied.
  std::vector<job_info> jobs;
  /// How many match in all.
  std::size_t total = 0;
  /// Jobs known by state (index: job_state), whatever the query.
  std::array<std::size_t, 5> by_state{};
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
  too_many_jobs,   ///< --limits.max-active-jobs are queued or running.
};

/// Why a stream ends other than through the job's own end event.
enum class stream_close {
  finished,      ///< The job ended before the requested position.
  unknown_job,   ///< No such job (never created, or expired).
  job_lost,      ///< The job actor went away without an end event.
  shutting_down, ///< The server is stopping.
  overloaded,    ///< The job has all the subscribers it may have.
  too_slow,      ///< The client fell too far behind and is dropped.
  token_expired, ///< The access token the stream was opened with expired.
};

} // namespace jobcast
