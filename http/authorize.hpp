#pragma once

// The one place where requests are authorized: the `Host` of every request
// (before routing), then for its route which pages may send it (`sites`),
// who may use it (`guard`) and what per-client budget it spends (`budget`,
// router.hpp), before the route's handler runs, and before a
// `100 Continue` is sent.

#include "http/responses.hpp"

#include <optional>
#include <string_view>

namespace jobcast {

class exchange;
struct http_context;

/// The refusal to send if the server does not answer to `host` (the
/// request's `Host`, empty if absent): 421, or 400 for an HTTP/1.1 request
/// without one. `api`: answer in JSON.
std::optional<message_generator> check_host(const http_context& ctx,
                                            std::string_view host,
                                            const request_facts& facts,
                                            bool api);

/// The refusal to send if `ex` may not use its route (403 for a page of
/// another site where the route takes only its own, 401 or 403 for a start
/// token or an access token, 429 for a client past its starts); sets
/// `token_hash` for publisher routes and, with access tokens, `grant`.
/// `body_read`: false while the body is not read yet (a form's start token is
/// in it, and a start is not counted yet), true once it is.
std::optional<message_generator> authorize(exchange& ex, bool body_read);

} // namespace jobcast
