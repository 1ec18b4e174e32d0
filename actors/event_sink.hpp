#pragma once

#include "actors/job_info.hpp"

#include <memory>
#include <vector>

namespace jobcast {

/// A page of a job's history on its way to one viewer; shared, not copied.
using event_page = std::shared_ptr<const std::vector<event_ptr>>;

/// Where a subscriber actor hands what it receives. The HTTP front end
/// implements it; a subscriber actor calls it from its own thread, in order:
/// `opened` once (or `closed` instead: `unknown_job`, `overloaded`,
/// `job_lost`, or `finished` when there is nothing to send), then the history
/// from the requested position on in `replay` pages, then `deliver` for
/// every live event, then at most one `closed` unless the last event handed
/// over was the job's end.
///
/// The history is pulled: after a `replay` that is not `caught_up`, nothing
/// comes until the sink asks for the next page (its subscription's `more`).
/// So a sink asks once its connection has taken the page, and a long log
/// never sits whole in a viewer's buffer. Only live events can find a viewer
/// too slow.
class event_sink {
public:
  virtual ~event_sink() = default;

  virtual void opened(const job_info& info) = 0;

  /// One page of history; `caught_up`: it reaches the live edge, and live
  /// events follow by themselves.
  virtual void replay(const event_page& events, bool caught_up) = 0;

  virtual void deliver(const event_ptr& ev) = 0;

  /// Ends a run of `deliver` calls that arrived together: a sink may hold
  /// delivered events until now and write them in one go.
  virtual void flush() {}

  virtual void closed(stream_close why) = 0;

  /// About how many bytes of event text a page should hold.
  virtual std::uint64_t page_bytes() const { return 64 * 1024; }
};

using event_sink_ptr = std::shared_ptr<event_sink>;

} // namespace jobcast
