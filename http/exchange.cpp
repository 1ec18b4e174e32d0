#include "http/exchange.hpp"

#include "http/context.hpp"
#include "http/cors.hpp"
#include "http/errors.hpp"
#include "http/session.hpp"

namespace jobcast {

exchange::exchange(std::shared_ptr<session> conn, request&& req,
                   route_match match, http_context& ctx)
    : conn_(std::move(conn))
    , req_(std::move(req))
    , match_(std::move(match))
    , facts_{req_.version(),
             req_.keep_alive(),
             req_.method() == boost::beast::http::verb::head,
             {}}
    , ctx_(ctx) {
  if (match_.entry)
    facts_.cors_origin =
        cors_origin(ctx_.origins, header("Origin"), *match_.entry);
}

boost::asio::any_io_executor exchange::executor() const {
  return conn_->executor();
}

std::string_view exchange::header(std::string_view name) const {
  auto value = req_[boost::beast::string_view{name.data(), name.size()}];
  return {value.data(), value.size()};
}

ip_address exchange::client() const {
  auto peer = conn_->peer();
  if (!ctx_.limits.proxies().contains(peer))
    return peer;
  std::vector<std::string_view> forwarded;
  auto range = req_.equal_range("X-Forwarded-For");
  for (auto it = range.first; it != range.second; ++it)
    forwarded.emplace_back(it->value().data(), it->value().size());
  return client_address(peer, forwarded, ctx_.limits.proxies());
}

std::optional<client_slot> exchange::stream_slot() const {
  auto& limits = ctx_.limits;
  if (!limits.limits_connections() || !limits.proxies().contains(conn_->peer()))
    return client_slot{};
  return limits.stream(client());
}

stream_expiry exchange::expiry() const {
  if (!grant)
    return std::nullopt;
  return grant->expires;
}

void exchange::respond(message_generator msg) {
  conn_->send(std::move(msg));
}

void exchange::refuse(const refusal& r) {
  respond(reply(facts_, r, match_.api));
}

void exchange::stream(job_id job, resume_point from,
                      const http_framing& framing) {
  auto slot = stream_slot();
  if (!slot)
    return refuse(describe(client_limit::connections, 1));
  conn_->stream_events(facts_, job, from, framing, std::move(*slot), expiry());
}

void exchange::websocket(job_id job, resume_point from,
                         const framing& framing) {
  auto slot = stream_slot();
  if (!slot)
    return refuse(describe(client_limit::connections, 1));
  conn_->upgrade(std::move(req_), job, from, framing, std::move(*slot),
                 expiry());
}

} // namespace jobcast
