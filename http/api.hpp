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

/// A client error: the JSON `error` and `detail`, and the status (400, or
/// 413 for sizes).
struct bad_input {
  std::string error;
  std::string detail;
  unsigned status = 400;
};

/// The media type of a `Content-Type` value, lower case, without
/// parameters.
std::string media_type(std::string_view content_type);

/// Whether a body of `content_type` is lines of text (`text/plain`, any
/// parameters, any case).
bool is_text_plain(std::string_view content_type);

/// `POST /api/jobs` takes `application/json` only (parameters such as
/// `charset` allowed; the type is case-insensitive): a cross-site `no-cors`
/// fetch or form can send only form and `text/plain` bodies. Otherwise a 415.
std::optional<bad_input> check_json_type(std::string_view content_type);

/// Parses the body of `POST /api/jobs`: `{"kind": "...", "title": "..."}`.
std::variant<job_spec, bad_input> parse_job_spec(std::string_view body);

/// Parses published events: a JSON object `{"text": "...", "progress":
/// 0.42}`, a JSON array of them, or (for a `text/plain` content type) one
/// event per line. Texts must be valid UTF-8 of at most `max_event_bytes`.
std::variant<std::vector<event_input>, bad_input>
parse_events(std::string_view body, std::string_view content_type,
             std::size_t max_event_bytes);

/// What ends an external job: `{"state": "succeeded"|"failed", "text": ..}`.
struct finish_request {
  job_state state = job_state::succeeded;
  std::string text;
};

std::variant<finish_request, bad_input>
parse_finish(std::string_view body, std::size_t max_event_bytes);

/// The token of an `Authorization: Bearer <token>` header, or empty.
std::string bearer_token(std::string_view authorization);

/// The value of cookie `name` in a `Cookie` header (`a=1; b=2`), or
/// nullopt. Values are taken as they are (RFC 6265 does not decode them).
std::optional<std::string> cookie_value(std::string_view header,
                                        std::string_view name);

/// A field of an `application/x-www-form-urlencoded` body.
std::optional<std::string> form_field(std::string_view body,
                                      std::string_view name);

std::variant<job_query, bad_input> parse_job_query(std::string_view query);

/// `{"jobs": [...], "total": N, "offset": .., "limit": ..}`: the registry's
/// page of the job list for `q`.
std::string jobs_page_json(const job_listing& listing, const job_query& q);

/// Where to resume: the `Last-Event-ID` header if given, else the
/// `last-event-id` query parameter, else the start (see event_id.hpp).
resume_point resume_position(std::string_view header, std::string_view query);

/// Whether an `Accept` header prefers text/html over text/plain.
bool prefers_html(std::string_view accept);

/// Escapes text for HTML element content and attribute values.
std::string html_escape(std::string_view text);

/// The home page: `page` with `<!--jobs-->` replaced by one table row per job
/// and `<!--kinds-->` by one option per kind.
/// With `ask_token`, `<!--token-->` becomes a field for the start token.
std::string render_home(std::string_view page,
                        const std::vector<job_info>& jobs,
                        const std::vector<std::string>& kinds,
                        bool ask_token = false);

/// The live page of one job: `page` with `<!--id-->`, `<!--kind-->`,
/// `<!--title-->`, `<!--state-->`, `<!--fraction-->` and `<!--percent-->`
/// replaced (escaped) by what `info` says, so that the first paint, a
/// reader without JavaScript and a screen reader know the job.
std::string render_view(std::string_view page, const job_info& info);

} // namespace jobcast
