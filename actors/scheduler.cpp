#include "actors/scheduler.hpp"

#include <algorithm>

namespace jobcast {

scheduler::scheduler(std::size_t slots)
    : slots_(std::max<std::size_t>(1, slots)) {}

bool scheduler::recorded(std::uint32_t ahead) {
  return ahead < 16 || (ahead & (ahead - 1)) == 0;
}

scheduler::moves scheduler::add(job_id id) {
  moves m;
  if (running_.size() < slots_ && queue_.empty()) {
    running_.insert(id);
    m.started.push_back(id);
    return m;
  }
  queue_.push_back(id);
  // A new job always hears its first place, recorded or not.
  m.places.emplace_back(id, static_cast<std::uint32_t>(queue_.size() - 1));
  return m;
}

scheduler::moves scheduler::remove(job_id id) {
  moves m;
  if (running_.erase(id) > 0) {
    admit(m, 0);
    return m;
  }
  auto i = std::find(queue_.begin(), queue_.end(), id);
  if (i == queue_.end())
    return m;
  auto from = static_cast<std::size_t>(i - queue_.begin());
  queue_.erase(i);
  admit(m, from);
  return m;
}

std::optional<std::uint32_t> scheduler::place(job_id id) const {
  auto i = std::find(queue_.begin(), queue_.end(), id);
  if (i == queue_.end())
    return std::nullopt;
  return static_cast<std::uint32_t>(i - queue_.begin());
}

void scheduler::admit(moves& m, std::size_t from) {
  auto moved = false;
  while (running_.size() < slots_ && !queue_.empty()) {
    running_.insert(queue_.front());
    m.started.push_back(queue_.front());
    queue_.pop_front();
    moved = true;
  }
  // Everyone moved up by one if a job left the line at the front.
  if (moved)
    from = 0;
  // The recorded places only (see `recorded`): the last 16, then powers of
  // two, so a move costs O(log n) messages, not one per waiting job.
  auto n = queue_.size();
  auto tell = [&](std::size_t ahead) {
    m.places.emplace_back(queue_[ahead], static_cast<std::uint32_t>(ahead));
  };
  for (auto ahead = from; ahead < std::min<std::size_t>(n, 16); ++ahead)
    tell(ahead);
  for (std::size_t ahead = 16; ahead < n; ahead *= 2)
    if (ahead >= from)
      tell(ahead);
}

} // namespace jobcast
