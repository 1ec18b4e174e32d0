#include "http/responses.hpp"

#include "actors/metrics.hpp"
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
  res.keep_alive(req.keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  if (req.head)
    res.body().clear(); // Content-Length stays as for GET.
  return res;
}

} // namespace

void count_response(unsigned code) {
  auto cls = code / 100;
  if (cls < global_metrics().responses.size())
    global_metrics().responses[cls]++;
}

message_generator make_response(const request_facts& req, status code,
                                std::string_view content_type,
                                std::string body) {
  return base(req, code, content_type, std::move(body));
}

message_generator error_response(const request_facts& req, status code,
                                 std::string_view detail) {
  std::string body = std::to_string(static_cast<unsigned>(code));
  body += ' ';
  body += http::obsolete_reason(code);
  body += ": ";
  body += detail;
  body += '\n';
  auto res = base(req, code, "text/plain; charset=utf-8", std::move(body));
  if (code == status::service_unavailable)
    res.set(http::field::retry_after, "1");
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
                             std::string_view www_authenticate) {
  auto res =
      base(req, code, "application/json", error_json(error, detail) + "\n");
  if (!www_authenticate.empty())
    res.set(http::field::www_authenticate, www_authenticate);
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

message_generator see_other(const request_facts& req,
                            std::string_view location) {
  auto res = base(req, status::see_other, "text/plain; charset=utf-8",
                  "See " + std::string{location} + "\n");
  res.set(http::field::location, location);
  return res;
}

message_generator bad_request_and_close(unsigned version, status code,
                                        std::string_view detail) {
  request_facts req{version, false, false};
  return error_response(req, code, detail);
}

} // namespace jobcast
