#pragma once

// The rule that keeps the event histories of all jobs within
// --limits.history-bytes. Plain C++: the registry owns one and feeds it the
// sizes jobs report; it decides, the actors carry the decision out.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace jobcast {

/// What the registry does to get back under the budget.
struct budget_plan {
  /// How many of the oldest finished jobs to forget.
  std::size_t evict = 0;
  /// If set, every unfinished job holding more than this many bytes drops
  /// its oldest events until it holds at most this many.
  std::optional<std::uint64_t> cap;
};

class history_budget {
public:
  /// What one event of `text_bytes` counts: its text, up to three cached
  /// wire encodings of about the text's size (chunked text, SSE, WebSocket),
  /// and `event_overhead` for the event object, its cache slots, the JSON
  /// and SSE fields, the WebSocket header and the allocator's own overhead.
  /// JSON escaping can make an encoding longer than its text (up to six
  /// times, for control characters); that is not counted.
  static constexpr std::uint64_t cost(std::size_t text_bytes) {
    return 4 * static_cast<std::uint64_t>(text_bytes) + event_overhead;
  }

  /// With all three encodings cached, RSS grew by 654, 1093, 4655 and 41460
  /// bytes per event of 10, 100, 1000 and 10000 bytes of text (glibc,
  /// x86-64): the cost is within a few per cent of that, and about three
  /// times the real cost for events no viewer asks for.
  static constexpr std::uint64_t event_overhead = 704;

  explicit history_budget(std::uint64_t limit = 256 * 1024 * 1024);

  std::uint64_t limit() const { return limit_; }

  /// Where a round of trimming brings the total: an eighth below the
  /// limit, so that a store at its limit is trimmed once per eighth of it
  /// rather than once per event.
  std::uint64_t target() const { return limit_ - limit_ / 8; }

  /// Decides what to drop, given the bytes of the finished jobs (oldest
  /// first) and of the unfinished ones. Nothing while the total is within
  /// the limit. Over it: the oldest finished jobs first, as many as it takes
  /// to reach `target()`; only if all of them are not enough, a cap for the
  /// unfinished jobs, the highest one that brings their total to `target()`
  /// (jobs below it keep everything: a chatty job cannot empty a quiet
  /// one's history).
  budget_plan plan(const std::vector<std::uint64_t>& finished,
                   std::vector<std::uint64_t> unfinished) const;

private:
  std::uint64_t limit_;
};

} // namespace jobcast
