#include "actors/retention.hpp"

#include <algorithm>

namespace jobcast {

retention::retention(std::size_t max_jobs)
    : max_jobs_(max_jobs) {}

std::vector<job_id> retention::add(job_id id, std::uint64_t bytes) {
  jobs_.push_back({id, bytes});
  bytes_ += bytes;
  return take_oldest(jobs_.size() > max_jobs_ ? jobs_.size() - max_jobs_ : 0);
}

std::vector<job_id> retention::take_oldest(std::size_t n) {
  std::vector<job_id> result;
  n = std::min(n, jobs_.size());
  result.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    result.push_back(jobs_.front().id);
    bytes_ -= jobs_.front().bytes;
    jobs_.pop_front();
  }
  return result;
}

bool retention::remove(job_id id) {
  auto i = std::find_if(jobs_.begin(), jobs_.end(),
                        [id](const kept& x) { return x.id == id; });
  if (i == jobs_.end())
    return false;
  bytes_ -= i->bytes;
  jobs_.erase(i);
  return true;
}

std::vector<std::uint64_t> retention::sizes() const {
  std::vector<std::uint64_t> result;
  result.reserve(jobs_.size());
  for (auto& x : jobs_)
    result.push_back(x.bytes);
  return result;
}

} // namespace jobcast
