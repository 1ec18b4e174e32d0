#pragma once

#include "actors/job_info.hpp"

#include <memory>

namespace jobcast {

/// Where a subscriber actor hands what it receives. The HTTP front end
/// implements it; a subscriber actor calls it from its own thread, in order:
/// `opened` once (or `closed(unknown_job)` instead), then `deliver` for every
/// event from the requested position on, then at most one `closed` unless the
/// last delivered event was the job's end.
class event_sink {
public:
  virtual ~event_sink() = default;

  virtual void opened(const job_info& info) = 0;

  virtual void deliver(const event_ptr& ev) = 0;

  /// Ends a run of `deliver` calls that arrived together: a sink may hold
  /// delivered events until now and write them in one go.
  virtual void flush() {}

  virtual void closed(stream_close why) = 0;
};

using event_sink_ptr = std::shared_ptr<event_sink>;

} // namespace jobcast
