#pragma once

// The data that flows from a job to its viewers. Plain C++ on purpose: the
// HTTP transports include this header without pulling in CAF.

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace jobcast {

using job_id = std::uint64_t;

enum class job_state : std::uint8_t {
  queued,
  running,
  succeeded,
  failed,
  cancelled,
};

std::string_view to_string(job_state state);

/// Parses the lower-case name that `to_string` produces.
bool from_string(std::string_view name, job_state& state);

/// True for the three states a job never leaves.
inline bool is_final(job_state state) {
  return state == job_state::succeeded || state == job_state::failed ||
         state == job_state::cancelled;
}

enum class event_type : std::uint8_t {
  progress, ///< A message of a running job.
  status,   ///< A change of state before the work: queued (K ahead), started.
  gap,      ///< Not in the history: events up to this one were dropped.
  end,      ///< The last event of every job; `state` says how it ended.
  /// Not in the history: the viewer's resume point did not fit the job's
  /// history, so the replay starts over from the first kept event. Seq 0.
  reset,
};

std::string_view to_string(event_type type);

/// Where an event keeps one of its encodings. The wire formats are the
/// front end's business: each takes a slot (`register_encoding`) once, and
/// the event only knows that it has a few.
using encoding_slot = std::size_t;

/// Encodings an event can cache.
inline constexpr std::size_t max_encodings = 8;

/// A slot nobody else uses. Throws `std::length_error` past `max_encodings`.
/// Thread-safe; meant for a wire format's construction.
encoding_slot register_encoding();

/// Milliseconds since the Unix epoch.
std::int64_t now_ms();

/// Tells instances of jobs apart that share an id: in memory mode, one value
/// per run of the server, so that an event id from before a restart is not
/// taken for an event of the new job with the same id. Never 0.
using epoch_t = std::uint32_t;

/// This process's epoch, chosen at random when first asked for.
epoch_t process_epoch();

/// One immutable event of one job. It is created once by the job actor and
/// shared by every subscriber; each transport encodes it at most once, on
/// first use, and every connection then writes the same bytes.
class event {
public:
  /// No progress reported.
  static constexpr double no_progress = -1.0;

  event(std::uint64_t seq, event_type type, std::string text,
        double progress = no_progress, job_state state = job_state::running,
        bool from_stderr = false, std::int64_t time_ms = now_ms(),
        epoch_t epoch = process_epoch());

  event(const event&) = delete;
  event& operator=(const event&) = delete;

  std::uint64_t seq() const { return seq_; }
  /// The instance of the job this event belongs to.
  epoch_t epoch() const { return epoch_; }
  event_type type() const { return type_; }
  const std::string& text() const { return text_; }
  bool has_progress() const { return progress_ >= 0.0; }
  double progress() const { return progress_; }
  /// The job's state after this event: `running`, or the final state.
  job_state state() const { return state_; }
  std::int64_t time_ms() const { return time_ms_; }
  /// Whether a command wrote this line to its standard error.
  bool from_stderr() const { return from_stderr_; }

  /// Returns this event in the wire format that owns `slot`, calling
  /// `encode(*this)` only the first time any connection asks for it.
  /// Thread-safe.
  template <class Encoder>
  const std::string& encoded(encoding_slot at, Encoder&& encode) const {
    auto& slot = cache_[at];
    std::call_once(slot.once, [&] { slot.bytes = encode(*this); });
    return slot.bytes;
  }

private:
  struct cache_slot {
    std::once_flag once;
    std::string bytes;
  };

  std::uint64_t seq_;
  epoch_t epoch_;
  event_type type_;
  std::string text_;
  double progress_;
  job_state state_;
  bool from_stderr_;
  std::int64_t time_ms_;
  mutable std::array<cache_slot, max_encodings> cache_;
};

using event_ptr = std::shared_ptr<const event>;

} // namespace jobcast
