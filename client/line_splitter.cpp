#include "client/line_splitter.hpp"

#include "actors/utf8.hpp"

namespace jobcast::run {

namespace {

bool continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

} // namespace

line_splitter::line_splitter(std::size_t max_bytes)
    : max_(max_bytes < 4 ? 4 : max_bytes) {}

void line_splitter::emit(std::string_view raw,
                         std::vector<std::string>& out) const {
  // Repair first: a replacement character is three bytes, so the repaired
  // text may be longer than what was read. Then cut between characters.
  auto text = sanitize_utf8(raw);
  std::string_view rest = text;
  do {
    auto len = rest.size();
    if (len > max_) {
      len = max_;
      while (len > 0 && continuation(rest[len]))
        --len;
    }
    out.emplace_back(rest.substr(0, len));
    rest.remove_prefix(len);
  } while (!rest.empty());
}

std::vector<std::string> line_splitter::feed(std::string_view bytes) {
  std::vector<std::string> out;
  pending_.append(bytes);
  std::size_t start = 0;
  for (;;) {
    auto nl = pending_.find('\n', start);
    if (nl == std::string::npos)
      break;
    auto len = nl - start;
    if (len > 0 && pending_[nl - 1] == '\r')
      --len;
    emit({pending_.data() + start, len}, out);
    start = nl + 1;
  }
  // A line that does not end keeps no more than one piece waiting; the cut
  // backs off over an unfinished UTF-8 sequence, so that it is not broken.
  while (pending_.size() - start >= max_) {
    auto len = max_;
    for (std::size_t back = 0; back < 3 && continuation(pending_[start + len]);
         ++back)
      --len;
    emit({pending_.data() + start, len}, out);
    start += len;
  }
  pending_.erase(0, start);
  return out;
}

std::vector<std::string> line_splitter::finish() {
  std::vector<std::string> out;
  if (!pending_.empty()) {
    auto rest = std::string_view{pending_};
    if (rest.back() == '\r')
      rest.remove_suffix(1);
    emit(rest, out);
  }
  pending_.clear();
  return out;
}

} // namespace jobcast::run
