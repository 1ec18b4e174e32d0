// jobcast: runs background jobs and streams their progress to every viewer.

#include "actors/command.hpp"
#include "actors/demo.hpp"
#include "actors/log.hpp"
#include "actors/registry.hpp"
#include "http/gateway.hpp"
#include "http/server.hpp"

#include <boost/system/system_error.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <iostream>
#include <sys/resource.h>
#include <thread>

namespace jobcast {

/// Every flag of jobcast, next to CAF's own (`--help` lists them all).
class config : public caf::actor_system_config {
public:
  std::string http_address = "127.0.0.1";
  std::uint16_t http_port = 3000;
  std::size_t http_threads = 1;
  caf::timespan read_timeout = std::chrono::seconds{30};
  caf::timespan shutdown_grace = std::chrono::seconds{5};
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t subscriber_buffer = 1024 * 1024;
  caf::timespan heartbeat = std::chrono::seconds{15};
  std::size_t max_event_bytes = 64 * 1024;
  std::size_t max_connections = 15'000;
  std::size_t max_retained = 1000;
  std::size_t max_subscribers = 50'000;
  std::size_t max_events = 200'000;
  std::string start_token;
  caf::timespan demo_interval = std::chrono::seconds{1};
  caf::timespan retention = std::chrono::minutes{10};
  caf::timespan idle_timeout = std::chrono::minutes{10};
  caf::timespan kill_grace = std::chrono::seconds{2};
  std::size_t workers = std::max(1u, std::thread::hardware_concurrency());

  config() {
    // Show who logs: %a is the actor id (0 outside actors).
    set("logger.console-format", "%r %p %c %a: %m");
    // CAF's scheduler spins, then naps 50 us at a time, for about 25 ms
    // whenever a worker runs dry. Between the bursts of a fan-out that took
    // a third of the CPU from the HTTP threads on a 2-core machine (see
    // docs/performance.md). Instead a dry worker goes straight to CAF's
    // relaxed naps (10 ms); one that finds work to steal keeps stealing
    // without napping. Flags still override both.
    set("work-stealing.aggressive-poll-attempts", std::size_t{1});
    set("work-stealing.moderate-poll-attempts", std::size_t{1});
    opt_group{custom_options_, "http"}
        .add(http_address, "address", "address to listen on")
        .add(http_port, "port", "TCP port to listen on (0: any free port)")
        .add(http_threads, "threads", "threads running the HTTP front end")
        .add(read_timeout, "read-timeout",
             "time a client has to send a request; idle keep-alive timeout");
    opt_group{custom_options_, "sse"}.add(
        heartbeat, "heartbeat",
        "interval of SSE heartbeat comments and WebSocket pings");
    opt_group{custom_options_, "shutdown"}.add(
        shutdown_grace, "grace", "time open streams get to end on SIGTERM");
    opt_group{custom_options_, "limits"}
        .add(max_header_bytes, "max-header-bytes",
             "largest request header (431 past it)")
        .add(max_body_bytes, "max-body-bytes", "largest request body (413)")
        .add(subscriber_buffer, "subscriber-buffer",
             "unsent bytes a stream may fall behind before it is dropped")
        .add(max_event_bytes, "max-event-bytes",
             "largest text of one published event (413)")
        .add(max_connections, "max-connections",
             "open connections at most; more get 503 and are closed")
        .add(max_retained, "max-retained-jobs",
             "finished jobs kept at most; the oldest go first")
        .add(max_subscribers, "max-subscribers-per-job",
             "viewers of one job at most; more get 503")
        .add(max_events, "max-events-per-job",
             "events a job keeps; older ones leave with a gap marker");
    opt_group{custom_options_, "auth"}.add(
        start_token, "start-token",
        "if set, starting or cancelling jobs requires this token");
    opt_group{custom_options_, "global"}.add(
        workers, "workers", "jobs that may run at once; the rest queue");

    opt_group{custom_options_, "demo"}.add(
        demo_interval, "interval", "time between the demo job's messages");
    opt_group{custom_options_, "jobs"}
        .add(retention, "retention", "how long finished jobs stay viewable")
        .add(idle_timeout, "idle-timeout",
             "an external job fails after this long without its publisher")
        .add(kill_grace, "kill-grace",
             "time between SIGTERM and SIGKILL for a stopped command");
  }

  http_settings http() const {
    http_settings result;
    result.address = http_address;
    result.port = http_port;
    result.threads = std::max<std::size_t>(1, http_threads);
    result.read_timeout =
        std::chrono::duration_cast<std::chrono::milliseconds>(read_timeout);
    result.shutdown_grace =
        std::chrono::duration_cast<std::chrono::milliseconds>(shutdown_grace);
    result.heartbeat =
        std::chrono::duration_cast<std::chrono::milliseconds>(heartbeat);
    result.max_header_bytes = max_header_bytes;
    result.max_body_bytes = max_body_bytes;
    result.subscriber_buffer = subscriber_buffer;
    result.max_event_bytes = max_event_bytes;
    result.start_token = start_token;
    result.max_connections = max_connections;
    return result;
  }

  /// The job kinds: the built-in ones and the operator's commands.
  registry_settings jobs(const std::vector<command_spec>& commands) const {
    registry_settings result;
    result.kinds.emplace("demo", demo_job(demo_interval));
    result.kinds.emplace("external", external_job());
    result.kinds.emplace("noop", noop_job());
    command_options options;
    options.kill_grace = kill_grace;
    options.max_line = max_event_bytes;
    for (auto& cmd : commands)
      result.kinds.emplace(cmd.name, command_job(cmd, options));
    result.retention = retention;
    result.workers = workers;
    result.jobs.idle_timeout = idle_timeout;
    result.jobs.max_subscribers = max_subscribers;
    result.jobs.max_events = max_events;
    result.max_retained = max_retained;
    return result;
  }
};

int run(caf::actor_system& system, const config& cfg,
        const std::vector<command_spec>& commands) {
  auto reg = system.spawn(registry, cfg.jobs(commands));
  int rc = 0;
  {
    gateway actors{system, caf::actor_cast<caf::actor>(reg)};
    auto http = cfg.http();
    // The home page offers what a person would start: demo and commands.
    http.job_kinds = {"demo"};
    for (auto& cmd : commands)
      http.job_kinds.push_back(cmd.name);
    server front{actors, http};
    try {
      auto port = front.listen();
      front.start();
      std::cout << "jobcast listening on http://" << cfg.http_address << ':'
                << port << '/' << std::endl;
      front.run_until_signal();
      std::cout << "jobcast stopped" << std::endl;
    } catch (const boost::system::system_error& err) {
      std::cerr << "jobcast: cannot listen on " << cfg.http_address << ':'
                << cfg.http_port << ": " << err.code().message() << std::endl;
      rc = 1;
    }
    // Stop every actor before the server (and the executors that actors
    // post to) goes away.
    caf::anon_send_exit(reg, caf::exit_reason::user_shutdown);
    system.await_all_actors_done();
  }
  return rc;
}

} // namespace jobcast

namespace {

/// Streams hold a socket each: allow as many open files as the hard limit.
void raise_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

} // namespace

// CAF_MAIN's caf_main returns void; we need an exit code, so we spell out the
// few lines it generates.
int main(int argc, char** argv) {
  // CAF's short help lists only its global options; ours should list all.
  std::vector<std::string> args{argv + 1, argv + argc};
  for (auto& arg : args)
    if (arg == "--help" || arg == "-h" || arg == "-?")
      arg = "--long-help";
  jobcast::config cfg;
  if (auto err = cfg.parse(std::move(args), "jobcast.conf")) {
    std::cerr << "jobcast: " << caf::actor_system_config::render(err)
              << std::endl;
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  std::string error;
  auto commands = jobcast::read_commands(caf::content(cfg), error);
  if (!commands) {
    std::cerr << "jobcast: " << error << std::endl;
    return 2;
  }
  raise_file_limit();
  caf::actor_system system{cfg};
  return jobcast::run(system, cfg, *commands);
}
