#pragma once

// The `id:` of a Server-Sent Event (and the `id` of an event's JSON):
// `<epoch>-<seq>`, the epoch in lower-case base 36. The epoch tells instances
// of a job apart that share its number (a job 3 before and after a restart),
// so that a client resuming with an old id is not fed another job's events.

#include "actors/job_info.hpp"

#include <string>
#include <string_view>

namespace jobcast {

/// `k3f9x2-7` for epoch `k3f9x2` (base 36) and seq 7.
std::string format_event_id(epoch_t epoch, std::uint64_t seq);

/// Reads what a client resumes from (`Last-Event-ID`, `?last-event-id=`):
/// `<epoch>-<seq>`, or a bare `<seq>` meaning the job's current instance.
/// Anything else is unreadable, which the job answers with a reset. Empty
/// means from the start.
resume_point parse_event_id(std::string_view text);

} // namespace jobcast
