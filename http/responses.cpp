#include "http/responses.hpp"

#include "http/http_metrics.hpp"
#include "http/json.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace jobcast {

namespace http = boost::beast::http;

const std::string_view content_security_policy =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'";

namespace {

http::response<http::string_body> base(const request_facts& req, status code,
                                       std::string_view content_type,
                                       std::string body) {
  http::response<http::string_body> res{code, req.version};
  count_response(static_cast<unsigned>(code));
  res.set(http::field::server, "jobcast");
  res.set(http::field::content_type, content_type);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Content-Security-Policy", content_security_policy);
  set_cors_headers(res, req);
  res.keep_alive(req.keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  if (req.head)
    res.body().clear(); // Content-Length stays as for GET.
  return res;
}

} // namespace

void set_cors_headers(http::fields& fields, const request_facts& req) {
  if (req.cors_origin.empty())
    return;
  fields.set(http::field::access_control_allow_origin, req.cors_origin);
  if (req.cors_origin != "*") {
    // The answer depends on who asks; and a listed site may send its
    // cookie (a token in it, say).
    fields.set(http::field::vary, "Origin");
    fields.set(http::field::access_control_allow_credentials, "true");
  }
  fields.set(http::field::access_control_expose_headers,
             "Location, Retry-After, WWW-Authenticate");
}

message_generator preflight_response(const request_facts& req,
                                     std::string_view methods) {
  auto res = base(req, status::no_content, "text/plain; charset=utf-8", {});
  res.erase(http::field::content_type);
  res.erase(http::field::content_length);
  res.set(http::field::access_control_allow_methods, methods);
  res.set(http::field::access_control_allow_headers,
          "Authorization, Content-Type, Last-Event-ID, Accept");
  // Browsers cap this (Chromium at 2 h); ten minutes keeps a changed
  // --http.cors-origins from lingering long.
  res.set(http::field::access_control_max_age, "600");
  return res;
}

void count_response(unsigned code) {
  auto cls = code / 100;
  if (cls < http_counters().responses.size())
    http_counters().responses[cls]++;
}

message_generator make_response(const request_facts& req, status code,
                                std::string_view content_type,
                                std::string body) {
  return base(req, code, content_type, std::move(body));
}

namespace {

void set_retry_after(http::response<http::string_body>& res, status code,
                     unsigned retry_after) {
  // A 503 is temporary, and says when to try again.
  if (retry_after == 0 && code == status::service_unavailable)
    retry_after = 1;
  if (retry_after > 0)
    res.set(http::field::retry_after, std::to_string(retry_after));
}

} // namespace

message_generator error_response(const request_facts& req, status code,
                                 std::string_view detail, unsigned retry_after,
                                 std::string_view www_authenticate) {
  std::string body = std::to_string(static_cast<unsigned>(code));
  body += ' ';
  body += http::obsolete_reason(code);
  body += ": ";
  body += detail;
  body += '\n';
  auto res = base(req, code, "text/plain; charset=utf-8", std::move(body));
  if (!www_authenticate.empty())
    res.set(http::field::www_authenticate, www_authenticate);
  set_retry_after(res, code, retry_after);
  return res;
}

message_generator json_response(const request_facts& req, status code,
                                std::string body, std::string_view location) {
  body += '\n';
  auto res = base(req, code, "application/json", std::move(body));
  if (!location.empty())
    res.set(http::field::location, location);
  return res;
}

message_generator json_error(const request_facts& req, status code,
                             std::string_view error, std::string_view detail,
                             std::string_view www_authenticate,
                             unsigned retry_after) {
  auto res =
      base(req, code, "application/json", error_json(error, detail) + "\n");
  if (!www_authenticate.empty())
    res.set(http::field::www_authenticate, www_authenticate);
  set_retry_after(res, code, retry_after);
  return res;
}

message_generator method_not_allowed(const request_facts& req,
                                     std::string_view allow) {
  std::string detail = "use ";
  detail += allow;
  auto res = base(req, status::method_not_allowed, "text/plain; charset=utf-8",
                  "405 Method Not Allowed: " + detail + "\n");
  res.set(http::field::allow, allow);
  return res;
}

message_generator upgrade_required(const request_facts& req,
                                   std::string_view protocol) {
  auto res = base(req, status::upgrade_required, "text/plain; charset=utf-8",
                  "426 Upgrade Required: expected a " + std::string{protocol} +
                      " upgrade\n");
  res.set(http::field::upgrade, protocol);
  res.set(http::field::connection, "Upgrade");
  return res;
}

message_generator no_content(const request_facts& req) {
  http::response<http::string_body> res{status::no_content, req.version};
  count_response(204);
  res.set(http::field::server, "jobcast");
  res.keep_alive(req.keep_alive);
  // No Content-Length: a 204 must not carry one (RFC 9110 8.6).
  return res;
}

message_generator see_other(const request_facts& req,
                            std::string_view location) {
  auto res = base(req, status::see_other, "text/plain; charset=utf-8",
                  "See " + std::string{location} + "\n");
  res.set(http::field::location, location);
  return res;
}

message_generator bad_request_and_close(unsigned version, status code,
                                        std::string_view detail) {
  request_facts req{version, false, false, {}};
  return error_response(req, code, detail);
}

} // namespace jobcast
