#pragma once

// Builders for ordinary (non-streaming) responses. Every response carries the
// same safety headers and honours HEAD and keep-alive.

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/status.hpp>
#include <string>
#include <string_view>

namespace jobcast {

/// What a response needs to know about the request it answers.
struct request_facts {
  unsigned version = 11;
  bool keep_alive = true;
  bool head = false;
  /// `Access-Control-Allow-Origin` of the answer (http/cors.hpp); empty:
  /// none, which keeps the answer from other sites' pages.
  std::string cors_origin;
};

using boost::beast::http::message_generator;
using boost::beast::http::status;

/// The Content-Security-Policy of every response: the pages load only
/// their own scripts, styles and streams.
extern const std::string_view content_security_policy;

/// Counts a response in the per-class metrics; `make_response` and friends
/// call it, streams call it for their 200.
void count_response(unsigned code);

/// The CORS headers of an answer to `req` (none if `req.cors_origin` is
/// empty). Streams set them on their header too.
void set_cors_headers(boost::beast::http::fields& fields,
                      const request_facts& req);

/// A response with `body` of type `content_type`.
message_generator make_response(const request_facts& req, status code,
                                std::string_view content_type,
                                std::string body);

/// A one-line `text/plain` explanation: "<code> <reason>: <detail>".
/// `retry_after` > 0 sets `Retry-After` in seconds; a `503` carries
/// `Retry-After: 1` without. `www_authenticate` sets that header (401,
/// 403).
message_generator error_response(const request_facts& req, status code,
                                 std::string_view detail,
                                 unsigned retry_after = 0,
                                 std::string_view www_authenticate = {});

/// An `application/json` response; `location` sets the Location header.
message_generator json_response(const request_facts& req, status code,
                                std::string body,
                                std::string_view location = {});

/// A JSON error: `{"error": error, "detail": detail}`. Retry-After as for
/// a text one.
message_generator json_error(const request_facts& req, status code,
                             std::string_view error, std::string_view detail,
                             std::string_view www_authenticate = {},
                             unsigned retry_after = 0);

/// `405 Method Not Allowed` with the `Allow` header.
message_generator method_not_allowed(const request_facts& req,
                                     std::string_view allow);

/// `426 Upgrade Required` naming the protocol to upgrade to.
message_generator upgrade_required(const request_facts& req,
                                   std::string_view protocol);

/// `204 No Content` to a CORS preflight: `methods` (an `Allow` value) and
/// the request headers jobcast reads, for `req.cors_origin`.
message_generator preflight_response(const request_facts& req,
                                     std::string_view methods);

/// `204 No Content`, without a Content-Length.
message_generator no_content(const request_facts& req);

/// `303 See Other` to `location`.
message_generator see_other(const request_facts& req,
                            std::string_view location);

/// The same as `error_response` but always closes the connection: for
/// requests that could not be read whole.
message_generator bad_request_and_close(unsigned version, status code,
                                        std::string_view detail);

} // namespace jobcast
