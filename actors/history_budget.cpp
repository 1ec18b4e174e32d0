#include "actors/history_budget.hpp"

#include <algorithm>
#include <numeric>

namespace jobcast {

history_budget::history_budget(std::uint64_t limit)
    : limit_(limit) {}

budget_plan history_budget::plan(const std::vector<std::uint64_t>& finished,
                                 std::vector<std::uint64_t> unfinished) const {
  budget_plan result;
  auto old_bytes =
      std::accumulate(finished.begin(), finished.end(), std::uint64_t{0});
  auto new_bytes =
      std::accumulate(unfinished.begin(), unfinished.end(), std::uint64_t{0});
  auto total = old_bytes + new_bytes;
  if (total <= limit_)
    return result;
  auto goal = target();
  for (auto bytes : finished) {
    if (total <= goal)
      return result;
    total -= bytes;
    ++result.evict;
  }
  if (total <= goal)
    return result;
  // Only unfinished jobs are left, and they hold more than `goal`: find the
  // highest cap c with sum(min(size, c)) <= goal. With the sizes sorted,
  // the jobs below the cap keep what they have and the rest share what is
  // left equally.
  std::sort(unfinished.begin(), unfinished.end());
  auto left = goal;
  auto n = unfinished.size();
  for (std::size_t i = 0; i < n; ++i) {
    auto share = left / (n - i);
    if (unfinished[i] > share) {
      result.cap = share;
      return result;
    }
    left -= unfinished[i];
  }
  // Unreachable while total > goal, but a cap that trims nothing is safe.
  result.cap = unfinished.empty() ? 0 : unfinished.back();
  return result;
}

} // namespace jobcast
