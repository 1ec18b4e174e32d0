#include "redis/command.hpp"

#include <hiredis/hiredis.h>
#include <new>

namespace jobcast::redis {

void append_command(std::string& out, const command_args& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (auto arg : args) {
    // hiredis reads `length` bytes and never a terminator, so an empty view
    // may point anywhere (but not nowhere).
    argv.push_back(arg.data() ? arg.data() : "");
    lengths.push_back(arg.size());
  }
  char* formatted = nullptr;
  int n = redisFormatCommandArgv(&formatted, static_cast<int>(args.size()),
                                 argv.data(), lengths.data());
  if (n < 0)
    throw std::bad_alloc{};
  out.append(formatted, static_cast<std::size_t>(n));
  redisFreeCommand(formatted);
}

std::string format_command(const command_args& args) {
  std::string out;
  append_command(out, args);
  return out;
}

} // namespace jobcast::redis
