#pragma once

// Handlers for outside publishers of external jobs, authenticated by the
// job's publish token (see authorize.hpp).

#include "http/exchange.hpp"

namespace jobcast::publishing {

/// POST /api/jobs/{id}/events : JSON event(s) or text/plain lines; 202 with
/// their sequence numbers once every viewer took them.
void events(const exchange_ptr& ex);

/// POST /api/jobs/{id}/finish {"state", "text"} : ends the job.
void finish(const exchange_ptr& ex);

/// For `Expect: 100-continue`: asks the job whether this publisher may go
/// on (an empty publish); `go_on` runs if so, else the refusal is sent.
void probe(const exchange_ptr& ex, std::function<void()> go_on);

} // namespace jobcast::publishing
