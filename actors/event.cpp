#include "actors/event.hpp"

#include <atomic>
#include <chrono>
#include <random>
#include <stdexcept>

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
  case event_type::reset:
    return "reset";
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

encoding_slot register_encoding() {
  static std::atomic<encoding_slot> next{0};
  auto slot = next++;
  if (slot >= max_encodings)
    throw std::length_error{"more wire formats than max_encodings"};
  return slot;
}

epoch_t process_epoch() {
  static const epoch_t value = [] {
    std::random_device rd;
    std::mt19937 gen{rd() ^ static_cast<unsigned>(now_ms())};
    std::uniform_int_distribution<epoch_t> dist{1};
    return dist(gen);
  }();
  return value;
}

event::event(std::uint64_t seq, event_type type, std::string text,
             double progress, job_state state, bool from_stderr,
             std::int64_t time_ms, epoch_t epoch)
    : seq_(seq)
    , epoch_(epoch)
    , type_(type)
    , text_(std::move(text))
    , progress_(progress)
    , state_(state)
    , from_stderr_(from_stderr)
    , time_ms_(time_ms) {}

} // namespace jobcast
