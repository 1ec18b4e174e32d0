#include "http/cors.hpp"

#include "http/context.hpp"
#include "http/errors.hpp"
#include "http/origin_policy.hpp"
#include "http/routes.hpp"

namespace jobcast {

std::string cors_origin(const origin_policy& policy, std::string_view origin,
                        const route& r) {
  if (origin.empty())
    return {};
  return policy.cors_allow(origin, (r.methods & ~reads) != 0);
}

message_generator preflight(const http_context& ctx, std::string_view origin,
                            method wanted, std::string_view target,
                            request_facts facts) {
  auto m = resolve(routes(), wanted, target);
  if (!m.entry)
    return method_not_allowed(facts, m.allow);
  facts.cors_origin = cors_origin(ctx.origins, origin, *m.entry);
  if (facts.cors_origin.empty())
    return reply(facts, cors_refused(), m.api);
  // A page admitted by `*` may read, nothing more.
  return preflight_response(
      facts, facts.cors_origin == "*" ? allow_header(reads) : m.allow);
}

} // namespace jobcast
