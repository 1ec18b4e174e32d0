#include "client/progress_line.hpp"

#include <charconv>

namespace jobcast::run {

std::optional<double> progress_of(std::string_view line) {
  constexpr std::string_view prefix = "::progress";
  if (line.substr(0, prefix.size()) != prefix)
    return std::nullopt;
  auto rest = line.substr(prefix.size());
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  if (rest.empty() || !blank(rest.front()))
    return std::nullopt;
  while (!rest.empty() && blank(rest.front()))
    rest.remove_prefix(1);
  while (!rest.empty() && blank(rest.back()))
    rest.remove_suffix(1);
  double value = 0;
  auto* end = rest.data() + rest.size();
  auto [ptr, ec] = std::from_chars(rest.data(), end, value);
  if (rest.empty() || ec != std::errc{} || ptr != end ||
      !(value >= 0.0 && value <= 1.0))
    return std::nullopt;
  return value;
}

} // namespace jobcast::run
