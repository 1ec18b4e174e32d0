#pragma once

// One request on its way through the route table (Beast's
// http_server_async keeps its handler outside the session; so does
// jobcast). A handler reads the request and its route's parameters and
// answers exactly once: with `respond`, or by turning the connection into a
// stream. Handlers that ask the actors answer from the gateway's callback,
// which runs on the connection's thread; the exchange keeps the connection
// alive until then.

#include "actors/job_info.hpp"
#include "http/access_token.hpp"
#include "http/client_address.hpp"
#include "http/context.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace jobcast {

class gateway;
class session;
class framing;
class http_framing;

class exchange {
public:
  using request = boost::beast::http::request<boost::beast::http::string_body>;

  exchange(std::shared_ptr<session> conn, request&& req, route_match match,
           http_context& ctx);

  const request& req() const { return req_; }
  const route_match& match() const { return match_; }
  const request_facts& facts() const { return facts_; }
  const http_settings& settings() const { return ctx_.settings; }
  http_context& context() { return ctx_; }
  gateway& actors() { return ctx_.actors; }
  boost::asio::any_io_executor executor() const;

  /// A request header, empty if absent.
  std::string_view header(std::string_view name) const;

  /// Who sent the request, for the per-client limits: the peer, or behind
  /// a trusted proxy the client its X-Forwarded-For names
  /// (http/client_address.hpp).
  ip_address client() const;

  /// For `guard::publisher` routes: the hash of the Bearer token, set by
  /// `authorize` before the handler runs.
  std::string token_hash;

  /// With `--auth.jwt-key`: the claims of the request's access token, set
  /// by `authorize` for every route but `anyone` and `publisher` ones.
  /// A stream opened with it ends at its expiry.
  std::optional<access_grant> grant;

  /// Answers end the connection (the request's body was never read).
  void close_after_answer() { facts_.keep_alive = false; }

  /// Sends `msg`; the connection then reads its next request (or closes).
  void respond(message_generator msg);

  /// Answers with `r` (see errors.hpp), as JSON under /api/.
  void refuse(const struct refusal& r);

  /// The connection becomes a stream of job `job` from `from` on, in
  /// `framing` (plain text or Server-Sent Events). Through a trusted proxy,
  /// 429 instead if the forwarded client has all its connections.
  void stream(job_id job, resume_point from, const http_framing& framing);

  /// The connection becomes a WebSocket stream of job `job`; 429 as for
  /// `stream`.
  void websocket(job_id job, resume_point from, const framing& framing);

private:
  /// What a stream through a trusted proxy counts against its forwarded
  /// client (empty for a direct peer, whose connection counts since its
  /// accept); nullopt if that client has all it may have.
  std::optional<client_slot> stream_slot() const;
  /// When a stream of this request ends: its access token's expiry.
  stream_expiry expiry() const;

  std::shared_ptr<session> conn_;
  request req_;
  route_match match_;
  request_facts facts_;
  http_context& ctx_;
};

using exchange_ptr = std::shared_ptr<exchange>;

} // namespace jobcast
