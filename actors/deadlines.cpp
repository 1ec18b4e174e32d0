#include "actors/deadlines.hpp"

namespace jobcast {

deadlines::deadlines(std::size_t max_pending)
    : max_pending_(max_pending < 1 ? 1 : max_pending) {}

void deadlines::set(job_id id, time_point due) {
  erase(id);
  due_.emplace(id, due);
  order_.emplace(due, id);
}

void deadlines::erase(job_id id) {
  auto i = due_.find(id);
  if (i == due_.end())
    return;
  order_.erase({i->second, id});
  due_.erase(i);
}

std::vector<job_id> deadlines::take_due(time_point now) {
  std::vector<job_id> result;
  while (!order_.empty() && order_.begin()->first <= now) {
    auto id = order_.begin()->second;
    order_.erase(order_.begin());
    due_.erase(id);
    result.push_back(id);
  }
  return result;
}

std::optional<deadlines::time_point> deadlines::earliest() const {
  if (order_.empty())
    return std::nullopt;
  return order_.begin()->first;
}

std::optional<deadlines::time_point> deadlines::arm() {
  auto next = earliest();
  if (!next)
    return std::nullopt;
  if (!pending_.empty() && *pending_.begin() <= *next)
    return std::nullopt;
  if (pending_.size() >= max_pending_)
    return std::nullopt;
  pending_.insert(*next);
  return next;
}

void deadlines::fired() {
  if (!pending_.empty())
    pending_.erase(pending_.begin());
}

} // namespace jobcast
