#include "http/authorize.hpp"

#include "actors/constant_time.hpp"
#include "http/api.hpp"
#include "http/context.hpp"
#include "http/errors.hpp"
#include "http/exchange.hpp"
#include "http/tokens.hpp"

namespace jobcast {

namespace {

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
  switch (ex.match().entry->needs) {
  case guard::anyone:
    return std::nullopt;
  case guard::starter:
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
