#include "actors/event.hpp"

#include <chrono>

namespace jobcast {

namespace {

constexpr std::string_view state_names[] = {
    "queued", "running", "succeeded", "failed", "cancelled",
};

} // namespace

std::string_view to_string(job_state state) {
  return state_names[static_cast<std::size_t>(state)];
}

bool from_string(std::string_view name, job_state& state) {
  for (std::size_t i = 0; i < std::size(state_names); ++i) {
    if (state_names[i] == name) {
      state = static_cast<job_state>(i);
      return true;
    }
  }
  return false;
}

std::string_view to_string(event_type type) {
  switch (type) {
  case event_type::progress:
    return "progress";
  case event_type::status:
    return "status";
  case event_type::gap:
    return "gap";
  case event_type::end:
    break;
  }
  return "end";
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
}

event::event(std::uint64_t seq, event_type type, std::string text,
             double progress, job_state state, bool from_stderr,
             std::int64_t time_ms)
    : seq_(seq)
    , type_(type)
    , text_(std::move(text))
    , progress_(progress)
    , state_(state)
    , from_stderr_(from_stderr)
    , time_ms_(time_ms) {}

} // namespace jobcast
