#include "http/authorize.hpp"

#include "actors/constant_time.hpp"
#include "http/api.hpp"
#include "http/context.hpp"
#include "http/errors.hpp"
#include "http/exchange.hpp"
#include "http/tokens.hpp"

#include <chrono>

namespace jobcast {

namespace {

/// A refusal for an access token: 401 or 403 with `WWW-Authenticate:
/// Bearer` (RFC 6750), JSON under /api/.
message_generator refuse_access(const exchange& ex, const refusal& r) {
  auto challenge = bearer_challenge(r);
  if (ex.match().api)
    return json_error(ex.facts(), r.code, r.error, r.detail, challenge);
  return error_response(ex.facts(), r.code, r.detail, 0, challenge);
}

/// The request's access token: `Authorization: Bearer`, else `?token=`
/// (EventSource and WebSocket cannot set headers), else the
/// `jobcast_token` cookie (the pages); empty if none.
std::string access_token(const exchange& ex) {
  auto bearer = bearer_token(ex.header("Authorization"));
  if (!bearer.empty())
    return bearer;
  if (auto query = query_param(ex.match().query, "token"))
    return *query;
  return cookie_value(ex.header("Cookie"), "jobcast_token").value_or("");
}

/// The kind a start asks for, once its body is read; nullopt if the body
/// does not say (the handler then answers 400 without starting anything).
std::optional<std::string> kind_to_start(const exchange& ex) {
  if (!ex.match().api)
    return form_field(ex.req().body(), "kind").value_or("demo");
  auto spec = parse_job_spec(ex.req().body());
  if (auto* s = std::get_if<job_spec>(&spec))
    return s->kind;
  return std::nullopt;
}

/// With `--auth.jwt-key`: the request's token must be valid, and allow what
/// the route does. Sets `ex.grant`.
std::optional<message_generator> check_access(exchange& ex, bool body_read) {
  auto& verifier = ex.settings().access;
  auto needs = ex.match().entry->needs;
  if (!verifier || needs == guard::anyone || needs == guard::publisher ||
      (needs == guard::scraper && ex.settings().public_metrics))
    return std::nullopt;
  auto token = access_token(ex);
  if (token.empty())
    return refuse_access(ex, describe(access_denial::no_token));
  auto verdict = verifier->verify(token, std::chrono::system_clock::now());
  if (auto* r = std::get_if<token_refusal>(&verdict))
    return refuse_access(ex, invalid_token(r->detail));
  auto& grant = ex.grant.emplace(std::get<access_grant>(std::move(verdict)));
  auto job = ex.match().job;
  switch (needs) {
  case guard::viewer:
    if (!grant.view.contains(job))
      return refuse_access(ex, describe(access_denial::not_viewer));
    break;
  case guard::lister:
    if (!grant.view.all)
      return refuse_access(ex, describe(access_denial::not_lister));
    break;
  case guard::starter: {
    // Before the body only whether the token may start anything; the kind
    // is in the body.
    if (grant.start.empty())
      return refuse_access(ex, describe(access_denial::not_starter));
    if (!body_read)
      break;
    auto kind = kind_to_start(ex);
    if (kind && !grant.start.contains(*kind))
      return refuse_access(ex, describe(access_denial::not_starter));
    break;
  }
  case guard::canceller:
    if (!grant.cancel.contains(job))
      return refuse_access(ex, describe(access_denial::not_canceller));
    break;
  case guard::visitor:
  case guard::scraper:
  case guard::anyone:
  case guard::publisher:
    break;
  }
  return std::nullopt;
}

/// 401 or 403: JSON (with WWW-Authenticate) under /api/, text elsewhere.
message_generator refuse(const exchange& ex, status code,
                         std::string_view detail) {
  if (!ex.match().api)
    return error_response(ex.facts(), code, detail);
  return json_error(ex.facts(), code,
                    code == status::unauthorized ? "unauthorized" : "forbidden",
                    detail, code == status::unauthorized ? "Bearer" : "");
}

std::optional<message_generator> check_starter(exchange& ex, bool body_read) {
  auto& expected = ex.settings().start_token;
  if (expected.empty())
    return std::nullopt;
  auto given = bearer_token(ex.header("Authorization"));
  // The home page's form sends it as a field.
  if (given.empty() && !ex.match().api) {
    if (!body_read)
      return std::nullopt; // Decided once the body is there.
    given = form_field(ex.req().body(), "token").value_or("");
  }
  if (given.empty())
    return refuse(ex, status::unauthorized,
                  "this server requires a start token");
  // Hashes have one length, so the time taken tells nothing about the
  // token's (the server's hash could be kept from startup; one SHA-256 per
  // start is cheap next to starting a job).
  if (!constant_time_equal(token_hash(given), token_hash(expected)))
    return refuse(ex, status::forbidden, "wrong start token");
  return std::nullopt;
}

std::optional<message_generator> check_guard(exchange& ex, bool body_read) {
  if (auto refusal = check_access(ex, body_read))
    return refusal;
  switch (ex.match().entry->needs) {
  case guard::anyone:
  case guard::visitor:
  case guard::viewer:
  case guard::lister:
  case guard::scraper:
    return std::nullopt;
  case guard::starter:
  case guard::canceller:
    return check_starter(ex, body_read);
  case guard::publisher: {
    auto token = bearer_token(ex.header("Authorization"));
    if (token.empty())
      return refuse(ex, status::unauthorized,
                    "a Bearer publish token is required");
    // Only the job knows whether it is the right one; it gets the hash.
    ex.token_hash = token_hash(token);
    return std::nullopt;
  }
  }
  return std::nullopt;
}

/// After the guard: a request that may not start a job anyway (401, 403)
/// spends nothing.
std::optional<message_generator> check_budget(exchange& ex, bool body_read) {
  auto& limits = ex.context().limits;
  if (ex.match().entry->spends != budget::starts || !limits.limits_starts())
    return std::nullopt;
  // Before a 100 Continue only a look: the start is counted once, when the
  // whole request is there. Counted whether or not the job then starts, so
  // that bad requests cannot hammer the registry for free either.
  auto wait = limits.start(ex.client(), body_read);
  if (wait == 0)
    return std::nullopt;
  return reply(ex.facts(), describe(client_limit::starts, wait),
               ex.match().api);
}

} // namespace

std::optional<message_generator> check_host(const http_context& ctx,
                                            std::string_view host,
                                            const request_facts& facts,
                                            bool api) {
  auto verdict = ctx.hosts.check(host, facts.version);
  if (verdict == host_check::allowed)
    return std::nullopt;
  return reply(facts, describe(verdict), api);
}

std::optional<message_generator> authorize(exchange& ex, bool body_read) {
  if (ex.match().entry->from == sites::own) {
    auto verdict = ex.context().origins.check(
        ex.header("Host"), ex.header("Origin"), ex.header("Sec-Fetch-Site"));
    if (verdict != origin_check::allowed)
      return reply(ex.facts(), describe(verdict), ex.match().api);
  }
  if (auto refusal = check_guard(ex, body_read))
    return refusal;
  return check_budget(ex, body_read);
}

} // namespace jobcast
