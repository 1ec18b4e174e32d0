#pragma once

// Cross-origin reads (CORS, Fetch standard): which other sites' pages may
// read jobcast's answers, and the preflight a browser sends before a request
// that is not "simple" (a Bearer token, JSON, Last-Event-ID). The origins
// come from `--http.cors-origins` (origin_policy); whether such a page may
// *send* a state-changing request at all is decided in authorize.cpp.

#include "http/responses.hpp"
#include "http/router.hpp"

#include <string>
#include <string_view>

namespace jobcast {

struct http_context;
class origin_policy;

/// The `Access-Control-Allow-Origin` for an answer of route `r` to a page of
/// `origin` (empty `Origin`: none): a listed origin for any route, `*` for
/// routes that only read when `*` is listed, empty otherwise.
std::string cors_origin(const origin_policy& policy, std::string_view origin,
                        const route& r);

/// The answer to a preflight (`OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`) for `target`: 204 with the methods and
/// headers such a page may use, 403 if its origin may not, 405 if no route
/// takes `wanted` there.
message_generator preflight(const http_context& ctx, std::string_view origin,
                            method wanted, std::string_view target,
                            request_facts facts);

} // namespace jobcast
