#pragma once

// A command's output as lines, the way jobcast splits a declared command's
// (actors/process.cpp): "\n" ends a line, a "\r" before it is dropped, a
// line longer than the limit becomes several, invalid UTF-8 becomes U+FFFD.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace jobcast::run {

class line_splitter {
public:
  /// Lines are cut into pieces of at most `max_bytes` bytes (after UTF-8
  /// repair, so that each piece fits the server's `--limits.max-event-bytes`).
  explicit line_splitter(std::size_t max_bytes);

  /// The lines `bytes` completes; the unfinished rest waits for more.
  std::vector<std::string> feed(std::string_view bytes);

  /// At the end of the stream: the unfinished rest, if any, as lines.
  std::vector<std::string> finish();

private:
  void emit(std::string_view raw, std::vector<std::string>& out) const;

  std::size_t max_;
  std::string pending_;
};

} // namespace jobcast::run
