#pragma once

// Handlers of the JSON job API: /api/jobs and /api/jobs/{id}.

#include "http/exchange.hpp"

namespace jobcast::jobs_api {

/// GET /api/jobs?state=&limit=&offset= : a page of jobs, newest first.
void list(const exchange_ptr& ex);

/// POST /api/jobs {"kind", "title"} : 201 with the job (and, for an
/// external job, its publish token, shown this once).
void create(const exchange_ptr& ex);

/// GET /api/jobs/{id} : one job.
void show(const exchange_ptr& ex);

/// DELETE /api/jobs/{id} : cancels a queued or running job.
void cancel(const exchange_ptr& ex);

} // namespace jobcast::jobs_api
