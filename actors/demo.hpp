#pragma once

#include "actors/worker.hpp"

#include <caf/timespan.hpp>

namespace jobcast {

/// The seed's demo job: "Did something", "Did something else", "All done",
/// one `interval` apart, reporting 1/3, 2/3 and 3/3, then success.
worker_launcher demo_job(caf::timespan interval);

} // namespace jobcast
