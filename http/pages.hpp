#pragma once

// Handlers for what a browser or a person asks for: the home page and its
// form, the job page (or its text stream), static files, health and metrics.

#include "http/exchange.hpp"

namespace jobcast::pages {

/// GET / : the form and the newest jobs.
void home(const exchange_ptr& ex);

/// POST / : the form starts a job, then 303 to its page (the seed's flow).
void start_from_form(const exchange_ptr& ex);

/// GET /view-progress/{id} : the live page for browsers, else the text stream.
void view_progress(const exchange_ptr& ex);

/// GET /assets/{file} : an embedded file of web/.
void asset(const exchange_ptr& ex);

/// GET /healthz : 200, or 503 while shutting down.
void healthz(const exchange_ptr& ex);

/// GET /metrics : Prometheus text.
void metrics(const exchange_ptr& ex);

} // namespace jobcast::pages
