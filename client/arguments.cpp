#include "client/arguments.hpp"

#include "actors/utf8.hpp"

#include <charconv>

namespace jobcast::run {

namespace {

/// The server refuses longer titles (400).
constexpr std::size_t max_title_bytes = 200;

/// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence.
std::string cut(std::string text, std::size_t max) {
  if (text.size() <= max)
    return text;
  auto end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  text.resize(end);
  return text;
}

bool parse_count(std::string_view text, std::size_t& out) {
  auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

} // namespace

std::chrono::milliseconds parse_duration(std::string_view text) {
  using std::chrono::milliseconds;
  double value = 0;
  auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr == text.data() || !(value >= 0))
    return milliseconds{-1};
  std::string_view unit{ptr, static_cast<std::size_t>(end - ptr)};
  double ms = 0;
  if (unit == "ms")
    ms = value;
  else if (unit.empty() || unit == "s")
    ms = value * 1000;
  else if (unit == "min")
    ms = value * 60'000;
  else if (unit == "h")
    ms = value * 3'600'000;
  else
    return milliseconds{-1};
  if (ms > 1e12)
    return milliseconds{-1};
  return milliseconds{static_cast<milliseconds::rep>(ms)};
}

std::variant<server_url, std::string> parse_server_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, 8) == "https://")
    return std::string{"https is not supported: reach jobcast over http "
                       "(e.g. through a local proxy or SSH tunnel)"};
  if (url.substr(0, scheme.size()) != scheme)
    return std::string{"the server URL must start with http://"};
  auto rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  server_url out;
  out.authority = std::string{rest.substr(0, slash)};
  auto path =
      slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  while (!path.empty() && path.back() == '/')
    path.remove_suffix(1);
  if (out.authority.empty())
    return std::string{"the server URL has no host"};
  if (out.authority.find_first_of("@?#") != std::string::npos ||
      path.find_first_of("?#") != std::string_view::npos)
    return std::string{"the server URL may hold only host, port and path"};
  std::string_view auth = out.authority;
  std::string_view port;
  if (auth.front() == '[') {
    auto close = auth.find(']');
    if (close == std::string_view::npos)
      return std::string{"the server URL has an unclosed [IPv6 address]"};
    out.host = std::string{auth.substr(1, close - 1)};
    auto after = auth.substr(close + 1);
    if (!after.empty() && after.front() != ':')
      return std::string{"the server URL has junk after ]"};
    if (!after.empty())
      port = after.substr(1);
  } else {
    auto colon = auth.rfind(':');
    out.host = std::string{auth.substr(0, colon)};
    if (colon != std::string_view::npos)
      port = auth.substr(colon + 1);
  }
  std::size_t number = 80;
  if (!port.empty() &&
      (!parse_count(port, number) || number == 0 || number > 65535))
    return std::string{"the server URL has a bad port"};
  if (out.host.empty())
    return std::string{"the server URL has no host"};
  out.port = std::to_string(number);
  out.base_path = std::string{path};
  out.text = std::string{scheme} + out.authority + out.base_path;
  return out;
}

std::variant<run_options, usage_request, std::string>
parse_arguments(const std::vector<std::string>& args,
                const std::function<const char*(const char*)>& getenv) {
  run_options opts;
  std::string server;
  if (auto* env = getenv("JOBCAST_SERVER"))
    server = env;
  if (auto* env = getenv("JOBCAST_TOKEN"))
    opts.token = env;
  bool titled = false;
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.substr(0, 1) != "-")
      break;
    if (arg == "--help" || arg == "-h")
      return usage_request{};
    if (arg == "--quiet" || arg == "-q") {
      opts.quiet = true;
      continue;
    }
    // --name=value or --name value.
    auto eq = arg.find('=');
    auto name = arg.substr(0, eq);
    std::string value;
    if (eq != std::string_view::npos) {
      value = std::string{arg.substr(eq + 1)};
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return std::string{name} + " needs a value";
    }
    if (name == "--server") {
      server = value;
    } else if (name == "--title") {
      opts.title = value;
      titled = true;
    } else if (name == "--token") {
      opts.token = value;
    } else if (name == "--hold-lines") {
      if (!parse_count(value, opts.hold_lines) || opts.hold_lines == 0)
        return std::string{"--hold-lines takes a whole number of at least 1"};
    } else if (name == "--drain-timeout" || name == "--keepalive") {
      auto d = parse_duration(value);
      if (d.count() < 0)
        return std::string{name} + " takes a duration such as 500ms, 30s, 2min";
      (name == "--keepalive" ? opts.keepalive : opts.drain_timeout) = d;
    } else {
      return "unknown option " + std::string{name};
    }
  }
  opts.command.assign(args.begin() + static_cast<std::ptrdiff_t>(i),
                      args.end());
  if (server.empty())
    return std::string{"--server is missing (or set JOBCAST_SERVER)"};
  auto url = parse_server_url(server);
  if (auto* err = std::get_if<std::string>(&url))
    return "--server " + server + ": " + *err;
  opts.server = std::get<server_url>(std::move(url));
  if (opts.command.empty())
    return std::string{
        "no command given (jobcast-run [options] -- CMD ARGS...)"};
  if (!titled) {
    for (auto& word : opts.command)
      opts.title += (opts.title.empty() ? "" : " ") + word;
  }
  opts.title = cut(sanitize_utf8(opts.title), max_title_bytes);
  return opts;
}

std::string usage_text() {
  return R"(usage: jobcast-run --server http://HOST:PORT [options] [--] CMD [ARGS...]

Runs CMD, publishing each line of its stdout and stderr as an event of a new
external job on a jobcast server, and ends the job succeeded or failed by
CMD's exit status. Exits with CMD's own status (128+N if a signal N killed
it). SIGINT and SIGTERM are passed on to CMD, and the job ends cancelled.
A line "::progress 0.42" sets the job's progress instead of being published.

options:
  --server URL          the jobcast server (or JOBCAST_SERVER)
  --title TEXT          the job's title (default: the command line)
  --token TOKEN         the server's start token, if it has one (or
                        JOBCAST_TOKEN, which does not show in ps)
  --hold-lines N        output lines held while the server cannot be reached
                        (default 10000); past it the oldest are dropped and
                        counted
  --drain-timeout DUR   how long held output may still take to reach the
                        server after CMD ended (default 30s)
  --keepalive DUR       how often a silent CMD still tells the job it is
                        alive (default 60s; keep it below the server's
                        --jobs.idle-timeout)
  --quiet, -q           do not copy CMD's output to this terminal
  --help, -h            this text

Durations: 500ms, 30s, 2min, 1h, or a number of seconds.
)";
}

} // namespace jobcast::run
