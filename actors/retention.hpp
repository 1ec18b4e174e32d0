#pragma once

// Which finished jobs the registry still keeps. Plain C++, owned by the
// registry: it decides, the registry stops the job actors.

#include "actors/event.hpp"

#include <cstdint>
#include <deque>
#include <vector>

namespace jobcast {

/// The finished jobs still kept, oldest first (in the order they finished),
/// each with the bytes its history holds.
class retention {
public:
  explicit retention(std::size_t max_jobs = 1000);

  /// Job `id` finished holding `bytes`; returns the jobs to forget because
  /// more than `max_jobs` would be kept (the oldest).
  std::vector<job_id> add(job_id id, std::uint64_t bytes);

  /// Takes out the `n` oldest jobs (or all, if fewer) and returns them.
  std::vector<job_id> take_oldest(std::size_t n);

  /// Takes out job `id` wherever it is; returns whether it was kept. O(1)
  /// for the oldest job, which is the one whose retention ends first.
  bool remove(job_id id);

  /// The bytes of every kept job, oldest first.
  std::vector<std::uint64_t> sizes() const;

  /// The bytes of all kept jobs together.
  std::uint64_t bytes() const { return bytes_; }

  std::size_t size() const { return jobs_.size(); }

private:
  struct kept {
    job_id id;
    std::uint64_t bytes;
  };

  std::size_t max_jobs_;
  std::deque<kept> jobs_;
  std::uint64_t bytes_ = 0;
};

} // namespace jobcast
