#pragma once

// The files of web/, compiled into the binary by cmake/embed.cmake.

#include <cstddef>
#include <string_view>

namespace jobcast {

struct embedded_file {
  std::string_view name;
  std::string_view bytes;
};

struct span_of_files {
  const embedded_file* first;
  std::size_t size;
};

/// Every embedded file (generated).
span_of_files embedded_files();

/// The embedded file called `name`, or nullptr.
const embedded_file* find_asset(std::string_view name);

/// The Content-Type for a file name, by its extension.
std::string_view content_type_for(std::string_view name);

} // namespace jobcast
