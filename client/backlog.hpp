#pragma once

// jobcast-run's hold-back queue: the output waiting to be published, and the
// batch on its way. Bounded: past `max_lines` held lines the oldest waiting
// line gives way, and a marker in its place says how many went, so nothing
// is dropped silently. A plain class: the publisher owns and feeds it.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace jobcast::run {

/// One event to publish.
struct outgoing {
  enum class kind : std::uint8_t {
    line,     ///< A line of the command's output.
    progress, ///< A `::progress` line: an event without text.
    note,     ///< jobcast-run's own words (not counted against the bound).
    marker,   ///< Stands for `dropped` lines that gave way to the bound.
  };
  kind what = kind::line;
  std::string text;
  bool from_stderr = false;
  double progress = -1.0; ///< 0..1, or negative for none.
  std::uint64_t dropped = 0;

  /// Whether it is output, held against the bound.
  bool counted() const { return what == kind::line || what == kind::progress; }
};

class backlog {
public:
  explicit backlog(std::size_t max_lines);

  /// Queues a line of output.
  void add_line(std::string text, bool from_stderr);

  /// Queues a progress report; one still waiting is updated instead, since
  /// only the newest value matters.
  void add_progress(double fraction);

  /// Queues words of jobcast-run's own, not counted against the bound:
  /// marked as stderr, or (empty, `from_stderr` false) a keepalive.
  void add_note(std::string text, bool from_stderr = true);

  /// Queues a note before everything that waits (nothing may be out).
  void prepend_note(std::string text);

  /// The next batch, oldest first: at least one event if any waits, at
  /// most `max_events`, and no more text than `max_bytes` unless the first
  /// alone is longer. The batch stays held until `sent` or `failed`.
  std::vector<outgoing> take(std::size_t max_events, std::size_t max_bytes);

  /// The batch taken was published: it goes.
  void sent();

  /// The batch taken could not be published: it waits again, first.
  void failed();

  /// The batch taken was refused for good (the server said 4xx): it goes,
  /// counted as lost.
  void refused();

  /// Whether a batch is out.
  bool in_flight() const { return in_flight_ > 0; }

  /// Events waiting that are not in flight.
  std::size_t waiting() const { return items_.size() - in_flight_; }

  /// Nothing waiting and nothing out.
  bool empty() const { return items_.empty(); }

  /// Lines of output held now, in flight included.
  std::size_t held() const { return held_; }

  /// Lines given way to the bound so far.
  std::uint64_t dropped() const { return dropped_; }

  /// Lines refused by the server so far.
  std::uint64_t lost() const { return lost_; }

  /// Lines not published (dropped, refused, or still held): what a report
  /// must count when jobcast-run gives up.
  std::uint64_t unpublished() const { return dropped_ + lost_ + held_; }

private:
  void push(outgoing ev);
  void make_room();

  std::size_t max_;
  /// Oldest first; the first `in_flight_` are the batch that is out.
  std::deque<outgoing> items_;
  std::size_t in_flight_ = 0;
  std::size_t held_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t lost_ = 0;
};

/// The text of a marker for `n` dropped lines.
std::string dropped_text(std::uint64_t n, std::size_t max_lines);

} // namespace jobcast::run
