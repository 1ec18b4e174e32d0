#pragma once

// Builders for ordinary (non-streaming) responses. Every response carries the
// same safety headers and honours HEAD and keep-alive.

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
};

using boost::beast::http::message_generator;
using boost::beast::http::status;

/// The Content-Security-Policy of every response: the pages load only
/// their own scripts, styles and streams.
extern const std::string_view content_security_policy;

/// Counts a response in the per-class metrics; `make_response` and friends
/// call it, streams call it for their 200.
void count_response(unsigned code);

/// A response with `body` of type `content_type`.
message_generator make_response(const request_facts& req, status code,
                                std::string_view content_type,
                                std::string body);

/// A one-line `text/plain` explanation: "<code> <reason>: <detail>".
message_generator error_response(const request_facts& req, status code,
                                 std::string_view detail);

/// An `application/json` response; `location` sets the Location header.
message_generator json_response(const request_facts& req, status code,
                                std::string body,
                                std::string_view location = {});

/// A JSON error: `{"error": error, "detail": detail}`.
message_generator json_error(const request_facts& req, status code,
                             std::string_view error, std::string_view detail,
                             std::string_view www_authenticate = {});

/// `405 Method Not Allowed` with the `Allow` header.
message_generator method_not_allowed(const request_facts& req,
                                     std::string_view allow);

/// `303 See Other` to `location`.
message_generator see_other(const request_facts& req,
                            std::string_view location);

/// The same as `error_response` but always closes the connection: for
/// requests that could not be read whole.
message_generator bad_request_and_close(unsigned version, status code,
                                        std::string_view detail);

} // namespace jobcast
