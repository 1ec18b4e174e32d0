#pragma once

// A worker does a job's actual work and reports it to the job actor through
// the job_publisher_actor role (publish, finish). The job actor only records
// and fans out; so a new kind of work is a new worker, nothing else.

#include "actors/vocabulary.hpp"

#include <caf/actor.hpp>
#include <caf/local_actor.hpp>
#include <functional>
#include <map>
#include <string>

namespace jobcast {

/// Starts the work for one job. Called inside the job actor (`self`) when the
/// job starts; returns the worker's handle so the job can stop it. The worker
/// reports through the publisher role only, and should monitor `job` and
/// quit when it goes down.
using worker_launcher = std::function<caf::actor(
    caf::local_actor* self, const job_publisher_actor& job)>;

/// Jobs fed from outside through the publisher API: no worker at all.
worker_launcher external_job();

/// A job that succeeds at once, with no events: for measuring job start
/// rates.
worker_launcher noop_job();

} // namespace jobcast
