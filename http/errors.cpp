#include "http/errors.hpp"

namespace jobcast {

refusal describe(errc code) {
  switch (code) {
  case errc::unknown_job:
    return {status::not_found, "not found", "no job with that id"};
  case errc::unknown_kind:
    return {status::bad_request, "unknown kind", "no job kind of that name"};
  case errc::job_finished:
    return {status::conflict, "job finished", "the job has already ended"};
  case errc::forbidden:
    return {status::forbidden, "forbidden", "wrong publish token for this job"};
  case errc::not_running:
    return {status::conflict, "job queued", "the job has not started yet"};
  case errc::too_many:
    return {status::service_unavailable, "too many viewers",
            "the job has as many viewers as it may have"};
  case errc::too_many_jobs:
    return {status::service_unavailable, "too many jobs",
            "as many jobs as allowed are queued or running; retry later"};
  case errc::internal:
    break;
  }
  return {status::service_unavailable, "unavailable",
          "the server could not answer in time; try again"};
}

refusal describe(stream_close why) {
  switch (why) {
  case stream_close::finished:
    return {status::no_content, "finished", "the job has ended"};
  case stream_close::unknown_job:
    return describe(errc::unknown_job);
  case stream_close::overloaded:
    return describe(errc::too_many);
  case stream_close::job_lost:
    return {status::service_unavailable, "job lost",
            "the job went away without an end; its log may be incomplete"};
  case stream_close::shutting_down:
    return {status::service_unavailable, "shutting down",
            "the server is stopping; reconnect to resume"};
  case stream_close::token_expired:
    return {status::unauthorized, "token expired",
            "the access token has expired; reconnect with a fresh one"};
  case stream_close::too_slow:
    break;
  }
  return {status::service_unavailable, "too slow",
          "this viewer fell too far behind; reconnect to resume"};
}

refusal describe(host_check why) {
  if (why == host_check::missing)
    return {status::bad_request, "malformed request",
            "an HTTP/1.1 request needs a Host header"};
  return {status::misdirected_request, "misdirected request",
          "this server does not answer to that Host; see --http.allowed-hosts"};
}

refusal describe(origin_check why) {
  switch (why) {
  case origin_check::null_origin:
    return {status::forbidden, "forbidden",
            "cross-site request refused: Origin null is not allowed"};
  case origin_check::cross_site_fetch:
    return {status::forbidden, "forbidden",
            "cross-site request refused: Sec-Fetch-Site says it comes from "
            "another site"};
  case origin_check::foreign_origin:
  case origin_check::allowed:
    break;
  }
  return {status::forbidden, "forbidden",
          "cross-site request refused: Origin is neither this server nor in "
          "--http.cors-origins"};
}

refusal cors_refused() {
  return {status::forbidden, "forbidden",
          "cross-origin request refused: --http.cors-origins does not list "
          "this Origin for this method"};
}

refusal describe(access_denial why) {
  switch (why) {
  case access_denial::no_token:
    return {status::unauthorized, "unauthorized",
            "this server requires an access token (Authorization: Bearer, "
            "?token= or the jobcast_token cookie)"};
  case access_denial::not_viewer:
    return {status::forbidden, "forbidden",
            "the access token does not allow viewing this job (jobcast.view)"};
  case access_denial::not_lister:
    return {status::forbidden, "forbidden",
            "listing all jobs needs jobcast.view \"*\" in the access token"};
  case access_denial::not_starter:
    return {status::forbidden, "forbidden",
            "the access token does not allow starting this kind "
            "(jobcast.start)"};
  case access_denial::not_canceller:
    break;
  }
  return {status::forbidden, "forbidden",
          "the access token does not allow cancelling this job "
          "(jobcast.cancel)"};
}

refusal invalid_token(std::string_view detail) {
  return {status::unauthorized, "invalid token", detail};
}

std::string bearer_challenge(const refusal& r) {
  // RFC 6750 3.1: no error code when the request had no token at all.
  std::string value = "Bearer realm=\"jobcast\"";
  if (r.code == status::forbidden)
    value += ", error=\"insufficient_scope\"";
  else if (r.error == "invalid token")
    value += ", error=\"invalid_token\"";
  else
    return value;
  // The description may hold only printable ASCII other than `"` and `\`.
  value += ", error_description=\"";
  for (char c : r.detail)
    value += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? c : '\'';
  value += '"';
  return value;
}

refusal describe(client_limit why, unsigned retry_after) {
  if (why == client_limit::starts)
    return {status::too_many_requests, "too many starts",
            "too many jobs started from this address "
            "(--limits.starts-per-minute); see Retry-After",
            retry_after};
  return {status::too_many_requests, "too many connections",
          "too many open connections from this address "
          "(--limits.connections-per-ip)",
          retry_after};
}

message_generator reply(const request_facts& facts, const refusal& r,
                        bool json) {
  if (r.code == status::no_content)
    return no_content(facts);
  if (json)
    return json_error(facts, r.code, r.error, r.detail, {}, r.retry_after);
  return error_response(facts, r.code, r.detail, r.retry_after);
}

std::string closing_reply(const refusal& r) {
  auto code = static_cast<unsigned>(r.code);
  std::string body = std::to_string(code) + ' ' +
                     std::string{boost::beast::http::obsolete_reason(r.code)} +
                     ": " + std::string{r.detail} + '\n';
  std::string out = "HTTP/1.1 " + std::to_string(code) + ' ' +
                    std::string{boost::beast::http::obsolete_reason(r.code)} +
                    "\r\nServer: jobcast\r\n"
                    "Content-Type: text/plain; charset=utf-8\r\n";
  if (r.retry_after > 0)
    out += "Retry-After: " + std::to_string(r.retry_after) + "\r\n";
  out += "Connection: close\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
  return out;
}

} // namespace jobcast
