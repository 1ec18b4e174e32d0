#include "http/assets.hpp"

namespace jobcast {

const embedded_file* find_asset(std::string_view name) {
  auto files = embedded_files();
  for (std::size_t i = 0; i < files.size; ++i)
    if (files.first[i].name == name)
      return files.first + i;
  return nullptr;
}

std::string_view content_type_for(std::string_view name) {
  auto ends_with = [name](std::string_view suffix) {
    return name.size() >= suffix.size() &&
           name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends_with(".html"))
    return "text/html; charset=utf-8";
  if (ends_with(".css"))
    return "text/css; charset=utf-8";
  if (ends_with(".js"))
    return "text/javascript; charset=utf-8";
  if (ends_with(".svg"))
    return "image/svg+xml";
  return "application/octet-stream";
}

} // namespace jobcast
