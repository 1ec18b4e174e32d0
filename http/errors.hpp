#pragma once

// What clients are told when something cannot be done: the one place that
// maps jobcast's error codes (`errc`) and the reasons a stream ends
// (`stream_close`) to an HTTP status and words. Every transport says the
// same words for the same cause; none ever shows CAF's rendering of an
// error.

#include "actors/job_info.hpp"
#include "http/client_limits.hpp"
#include "http/origin_policy.hpp"
#include "http/responses.hpp"

#include <string>
#include <string_view>

namespace jobcast {

/// A refusal: the status for a response, and what to say (JSON `error` and
/// `detail`; text and close reasons use the detail).
struct refusal {
  status code;
  std::string_view error;
  std::string_view detail;
  /// Seconds for Retry-After; 0: none, except the 1 every 503 carries.
  unsigned retry_after = 0;
};

/// For an actor's refusal of a request.
refusal describe(errc code);

/// For a stream that ends other than by its job's end event; `code` is the
/// answer when nothing of the stream was sent yet.
refusal describe(stream_close why);

/// For a request whose `Host` the server does not answer to (400 or 421).
refusal describe(host_check why);

/// For a browser request from a page that may not send it (403).
refusal describe(origin_check why);

/// For a CORS preflight from a page whose origin may not make its request
/// (403).
refusal cors_refused();

/// Why a request with access tokens on is refused (http/authorize.cpp).
enum class access_denial {
  no_token,      ///< 401: none in the header, the query or the cookie.
  not_viewer,    ///< 403: `jobcast.view` does not name the job.
  not_lister,    ///< 403: `jobcast.view` is not `"*"`.
  not_starter,   ///< 403: `jobcast.start` does not name the kind.
  not_canceller, ///< 403: `jobcast.cancel` does not name the job.
};

/// For a request refused for its access token: 401 or 403.
refusal describe(access_denial why);

/// For a request whose access token is not valid (401); `detail` is what
/// the verifier said.
refusal invalid_token(std::string_view detail);

/// The `WWW-Authenticate` value (RFC 6750 3) of a 401 or 403 of `r`, from
/// `describe(access_denial)` or `invalid_token`.
std::string bearer_challenge(const refusal& r);

/// For a client past one of its limits (429); `retry_after` seconds.
refusal describe(client_limit why, unsigned retry_after);

/// The response for `r`: JSON under /api/, one line of text elsewhere. A 503
/// carries Retry-After.
message_generator reply(const request_facts& facts, const refusal& r,
                        bool json);

/// The whole bytes of a one-line text answer that closes the connection,
/// for refusing a connection before anything of it was read.
std::string closing_reply(const refusal& r);

} // namespace jobcast
