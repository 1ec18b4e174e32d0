#pragma once

// jobcast-run's command line: where the server is, how to name the job,
// how much output to hold while the server is away, and the command.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <variant>
#include <vector>

namespace jobcast::run {

/// The server's base URL, `http://host[:port][/prefix]`, taken apart.
struct server_url {
  std::string host;      ///< Without brackets for an IPv6 literal.
  std::string port;      ///< "80" unless given.
  std::string authority; ///< What the Host header carries: as written.
  std::string base_path; ///< A prefix such as "/jobcast", or empty.
  std::string text;      ///< The URL as written, without a trailing '/'.
};

struct run_options {
  server_url server;
  /// The job's title; by default the command line, cut to what the server
  /// takes.
  std::string title;
  /// The server's start token (`--auth.start-token`), if it has one.
  std::string token;
  /// Output lines held at most while the server cannot be reached; older
  /// ones give way to newer ones, and are counted.
  std::size_t hold_lines = 10000;
  /// How long, after the command ended, held output may still take to
  /// reach the server.
  std::chrono::milliseconds drain_timeout{std::chrono::seconds{30}};
  /// A quiet command still tells the job it is alive this often, so that
  /// the server's `--jobs.idle-timeout` does not fail it.
  std::chrono::milliseconds keepalive{std::chrono::seconds{60}};
  /// Do not copy the command's output to jobcast-run's own stdout and
  /// stderr.
  bool quiet = false;
  std::vector<std::string> command;
};

/// `--help` was asked for.
struct usage_request {};

/// What the command line says, or a one-line reason why it cannot be run.
/// `getenv` supplies JOBCAST_SERVER and JOBCAST_TOKEN (so that a token need
/// not show in `ps`).
std::variant<run_options, usage_request, std::string>
parse_arguments(const std::vector<std::string>& args,
                const std::function<const char*(const char*)>& getenv);

/// Parses `http://host[:port][/prefix]`; an error text if it is not one.
std::variant<server_url, std::string> parse_server_url(std::string_view url);

/// `250ms`, `30s`, `2min`, or a number of seconds; -1 ms if not one.
std::chrono::milliseconds parse_duration(std::string_view text);

/// The `--help` text.
std::string usage_text();

} // namespace jobcast::run
