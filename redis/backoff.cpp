#include "redis/backoff.hpp"

#include <algorithm>

namespace jobcast::redis {

backoff::backoff(duration initial, duration max, double jitter,
                 std::uint32_t seed)
    : initial_{std::max(initial, duration{1})}
    , max_{std::max(max, initial_)}
    , jitter_{std::clamp(jitter, 0.0, 1.0)}
    , random_{seed} {}

backoff::duration backoff::ceiling() const {
  // Doubling stops at the cap, so a long outage cannot overflow it.
  auto delay = initial_;
  for (std::uint32_t i = 0; i < failures_ && delay < max_; ++i)
    delay *= 2;
  return std::min(delay, max_);
}

backoff::duration backoff::next() {
  auto top = ceiling();
  if (failures_ < UINT32_MAX)
    ++failures_;
  if (jitter_ == 0.0)
    return top;
  std::uniform_real_distribution<double> fraction{1.0 - jitter_, 1.0};
  auto delay = duration{static_cast<duration::rep>(
      static_cast<double>(top.count()) * fraction(random_))};
  return std::max(delay, duration{1});
}

} // namespace jobcast::redis
