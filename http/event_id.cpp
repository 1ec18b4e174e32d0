#include "http/event_id.hpp"

#include <charconv>

namespace jobcast {

namespace {

constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

template <class T> bool parse_number(std::string_view text, int base, T& out) {
  if (text.empty())
    return false;
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

/// from_chars takes upper-case letters too; ids are ours, in lower case.
bool is_lower_base36(std::string_view text) {
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')))
      return false;
  return true;
}

} // namespace

std::string format_event_id(epoch_t epoch, std::uint64_t seq) {
  char buf[16];
  std::size_t n = 0;
  do {
    buf[n++] = digits[epoch % 36];
    epoch /= 36;
  } while (epoch > 0);
  std::string result(buf, n);
  result.assign(result.rbegin(), result.rend());
  result += '-';
  result += std::to_string(seq);
  return result;
}

resume_point parse_event_id(std::string_view text) {
  text = trim(text);
  resume_point result;
  if (text.empty())
    return result;
  auto dash = text.find('-');
  auto seq_text = dash == std::string_view::npos ? text : text.substr(dash + 1);
  auto seq_ok =
      seq_text.find_first_not_of("0123456789") == std::string_view::npos &&
      parse_number(seq_text, 10, result.after);
  if (dash != std::string_view::npos) {
    auto epoch_text = text.substr(0, dash);
    seq_ok = seq_ok && is_lower_base36(epoch_text) &&
             parse_number(epoch_text, 36, result.epoch) && result.epoch != 0;
  }
  if (!seq_ok)
    return resume_point{0, 0, false};
  return result;
}

} // namespace jobcast
