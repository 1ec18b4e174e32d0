#pragma once

// Request parsing and response rendering for the JSON API and the pages:
// pure functions, no I/O, so they are easy to test and fuzz.

#include "actors/job_info.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace jobcast {

/// A client error: the JSON `error` and `detail`.
struct bad_input {
  std::string error;
  std::string detail;
};

/// Parses the body of `POST /api/jobs`: `{"kind": "...", "title": "..."}`.
std::variant<job_spec, bad_input> parse_job_spec(std::string_view body);

/// `?state=&limit=&offset=` of `GET /api/jobs`.
struct job_query {
  std::optional<job_state> state;
  std::size_t limit = 50;
  std::size_t offset = 0;
};

std::variant<job_query, bad_input> parse_job_query(std::string_view query);

/// `{"jobs": [...], "total": N, "offset": .., "limit": ..}` for the jobs that
/// match `q`, in the order given (newest first).
std::string jobs_page_json(const std::vector<job_info>& jobs,
                           const job_query& q);

/// The position to resume after: `Last-Event-ID` header, else the
/// `last-event-id` query parameter, else 0. nullopt if a value is malformed.
std::optional<std::uint64_t> resume_position(std::string_view header,
                                             std::string_view query);

/// Whether an `Accept` header prefers text/html over text/plain.
bool prefers_html(std::string_view accept);

/// Escapes text for HTML element content and attribute values.
std::string html_escape(std::string_view text);

/// The home page: `page` with `<!--jobs-->` replaced by one table row per job
/// and `<!--kinds-->` by one option per kind.
std::string render_home(std::string_view page,
                        const std::vector<job_info>& jobs,
                        const std::vector<std::string>& kinds);

} // namespace jobcast
