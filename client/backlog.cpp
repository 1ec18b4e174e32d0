#include "client/backlog.hpp"

namespace jobcast::run {

std::string dropped_text(std::uint64_t n, std::size_t max_lines) {
  return "jobcast-run: " + std::to_string(n) + (n == 1 ? " line" : " lines") +
         " of output dropped here: the server could not be reached and "
         "--hold-lines is " +
         std::to_string(max_lines);
}

backlog::backlog(std::size_t max_lines)
    : max_(max_lines == 0 ? 1 : max_lines) {}

void backlog::push(outgoing ev) {
  auto count = ev.counted();
  items_.push_back(std::move(ev));
  if (count) {
    ++held_;
    make_room();
  }
}

void backlog::add_line(std::string text, bool from_stderr) {
  outgoing ev;
  ev.text = std::move(text);
  ev.from_stderr = from_stderr;
  push(std::move(ev));
}

void backlog::add_progress(double fraction) {
  if (waiting() > 0) {
    auto& last = items_.back();
    if (last.what == outgoing::kind::progress) {
      last.progress = fraction;
      return;
    }
  }
  outgoing ev;
  ev.what = outgoing::kind::progress;
  ev.progress = fraction;
  push(std::move(ev));
}

void backlog::add_note(std::string text, bool from_stderr) {
  outgoing ev;
  ev.what = outgoing::kind::note;
  ev.text = std::move(text);
  ev.from_stderr = from_stderr;
  push(std::move(ev));
}

void backlog::prepend_note(std::string text) {
  outgoing ev;
  ev.what = outgoing::kind::note;
  ev.text = std::move(text);
  ev.from_stderr = true;
  items_.insert(items_.begin() + static_cast<std::ptrdiff_t>(in_flight_),
                std::move(ev));
}

void backlog::make_room() {
  while (held_ > max_) {
    // The oldest waiting line goes. A marker at the front of the waiting
    // events takes it in; otherwise the line becomes one.
    auto first = in_flight_;
    auto victim = first;
    while (victim < items_.size() && !items_[victim].counted())
      ++victim;
    if (victim == items_.size())
      return; // Only the batch in flight holds lines.
    --held_;
    ++dropped_;
    auto& marker = items_[first];
    if (victim > first && marker.what == outgoing::kind::marker) {
      ++marker.dropped;
      items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(victim));
    } else {
      outgoing m;
      m.what = outgoing::kind::marker;
      m.dropped = 1;
      m.from_stderr = true;
      items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(victim));
      items_.insert(items_.begin() + static_cast<std::ptrdiff_t>(first),
                    std::move(m));
    }
  }
}

std::vector<outgoing> backlog::take(std::size_t max_events,
                                    std::size_t max_bytes) {
  std::vector<outgoing> batch;
  if (in_flight())
    return batch;
  std::size_t bytes = 0;
  for (auto& ev : items_) {
    if (batch.size() == max_events ||
        (!batch.empty() && bytes + ev.text.size() > max_bytes))
      break;
    auto out = ev;
    if (out.what == outgoing::kind::marker)
      out.text = dropped_text(out.dropped, max_);
    bytes += out.text.size();
    batch.push_back(std::move(out));
  }
  in_flight_ = batch.size();
  return batch;
}

void backlog::sent() {
  for (std::size_t i = 0; i < in_flight_; ++i) {
    if (items_.front().counted())
      --held_;
    items_.pop_front();
  }
  in_flight_ = 0;
}

void backlog::failed() {
  in_flight_ = 0;
}

void backlog::refused() {
  for (std::size_t i = 0; i < in_flight_; ++i) {
    if (items_.front().counted()) {
      --held_;
      ++lost_;
    }
    items_.pop_front();
  }
  in_flight_ = 0;
}

} // namespace jobcast::run
