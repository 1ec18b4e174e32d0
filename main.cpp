// jobcast: runs background jobs and streams their progress to every viewer.

#include "actors/command.hpp"
#include "actors/job_kinds.hpp"
#include "actors/log.hpp"
#include "actors/registry.hpp"
#include "http/access_token.hpp"
#include "http/client_address.hpp"
#include "http/gateway.hpp"
#include "http/server.hpp"

#include <boost/system/system_error.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/make_config_option.hpp>
#include <caf/send.hpp>
#include <iostream>
#include <sys/resource.h>
#include <thread>

namespace jobcast {

/// The config file jobcast reads unless `--config-file` names another.
constexpr const char* default_config_file = "jobcast.conf";

/// Every flag of jobcast, next to CAF's own (`--help` lists them all). Each
/// flag is bound to the field of the settings struct it sets; the structs
/// hold the defaults, once.
class config : public caf::actor_system_config {
public:
  http_settings http;
  registry_settings jobs;
  command_options commands;
  caf::timespan demo_interval = std::chrono::seconds{1};

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
    // CAF's own --config-file describes CAF's default file, which jobcast
    // never reads: main passes its own. Same option, bound to the same path,
    // with jobcast's words.
    for (auto& opt : custom_options_)
      if (opt.full_name() == "global.config-file")
        opt = caf::make_config_option(
            config_file_path, "global", "config-file",
            std::string{"config file (default: "} + default_config_file +
                " in the working directory, skipped if absent)");
    opt_group{custom_options_, "http"}
        .add(http.address, "address", "address to listen on")
        .add(http.port, "port", "TCP port to listen on (0: any free port)")
        .add(http.allowed_hosts, "allowed-hosts",
             "Host values answered, others get 421 (default: the loopback "
             "names if bound to loopback, else any host)")
        .add(http.cors_origins, "cors-origins",
             "origins of other sites whose pages may start, cancel, publish "
             "and open WebSockets")
        .add(http.trusted_proxies, "trusted-proxies",
             "proxies (addresses, CIDR ranges) whose X-Forwarded-For names "
             "the client for the per-client limits")
        .add(http.threads, "threads", "threads running the HTTP front end")
        .add(http.read_timeout, "read-timeout",
             "time a client has to send a request; idle keep-alive timeout")
        .add(http.write_timeout, "write-timeout",
             "a stream whose client takes none of its bytes for this long is "
             "closed (0: never)");
    opt_group{custom_options_, "sse"}.add(
        http.heartbeat, "heartbeat",
        "interval of SSE heartbeat comments and WebSocket pings");
    opt_group{custom_options_, "shutdown"}.add(
        http.shutdown_grace, "grace",
        "time open streams get to end on SIGTERM");
    opt_group{custom_options_, "limits"}
        .add(http.max_header_bytes, "max-header-bytes",
             "largest request header (431 past it)")
        .add(http.max_body_bytes, "max-body-bytes",
             "largest request body (413)")
        .add(http.subscriber_buffer, "subscriber-buffer",
             "unsent bytes a stream may fall behind before it is dropped")
        .add(http.max_event_bytes, "max-event-bytes",
             "largest text of one published event (413)")
        .add(http.max_connections, "max-connections",
             "open connections at most; more get 503 and are closed")
        .add(http.starts_per_minute, "starts-per-minute",
             "jobs one client may start a minute (as many at once); more get "
             "429 (0: off)")
        .add(http.connections_per_ip, "connections-per-ip",
             "connections one client may hold open; more get 429 and are "
             "closed (0: off)")
        .add(jobs.max_retained, "max-retained-jobs",
             "finished jobs kept at most; the oldest go first")
        .add(jobs.jobs.max_subscribers, "max-subscribers-per-job",
             "viewers of one job at most; more get 503")
        .add(jobs.jobs.max_events, "max-events-per-job",
             "events a job keeps; older ones leave with a gap marker")
        .add(jobs.max_active, "max-active-jobs",
             "queued plus running jobs at most; more starts get 503")
        .add(jobs.history_bytes, "history-bytes",
             "bytes all jobs' event histories may hold; the oldest finished "
             "jobs go first, then running jobs' oldest events");
    opt_group{custom_options_, "auth"}
        .add(http.start_token, "start-token",
             "if set, starting or cancelling jobs requires this token")
        .add(http.jwt_key, "jwt-key",
             "if set, an HMAC secret (32 bytes at least) or the path of a PEM "
             "public key (RS256, ES256): every read, start and cancel needs "
             "a signed access token")
        .add(http.public_metrics, "public-metrics",
             "/metrics needs no access token even with --auth.jwt-key");
    opt_group{custom_options_, "global"}.add(
        jobs.workers, "workers",
        "command jobs that may run at once; the rest queue (other kinds "
        "never wait)");
    opt_group{custom_options_, "demo"}.add(
        demo_interval, "interval", "time between the demo job's messages");
    opt_group{custom_options_, "jobs"}
        .add(jobs.retention, "retention",
             "how long finished jobs stay viewable")
        .add(jobs.jobs.idle_timeout, "idle-timeout",
             "an external job fails after this long without its publisher")
        .add(commands.kill_grace, "kill-grace",
             "time between SIGTERM and SIGKILL for a stopped command");
  }

  /// What --dump-config prints. jobcast's flags are bound to fields and not
  /// kept in `content`, so CAF alone would show only what a file or flag
  /// set; the defaults come from the options themselves.
  caf::settings dump_content() const override {
    auto result = actor_system_config::dump_content();
    for (auto& opt : custom_options_) {
      auto value = opt.get();
      if (!value)
        continue; // A flag without storage (--help and the like).
      auto key = opt.category() == "global" ? opt.long_name() : opt.full_name();
      caf::put_missing(result, key, std::move(*value));
    }
    return result;
  }
};

/// Registers every job kind in one table: the built-in ones, then the
/// operator's commands.
job_kinds all_kinds(const config& cfg,
                    const std::vector<command_spec>& declared) {
  auto kinds = builtin_kinds(cfg.demo_interval);
  auto options = cfg.commands;
  // Command output lines are split where published events would be refused.
  options.max_line = cfg.http.max_event_bytes;
  for (auto& cmd : declared)
    kinds.add(command_kind(cmd, options));
  return kinds;
}

int run(caf::actor_system& system, const config& cfg,
        const std::vector<command_spec>& commands) {
  auto jobs = cfg.jobs;
  jobs.kinds = all_kinds(cfg, commands);
  auto http = cfg.http;
  http.kinds = jobs.kinds.infos();
  http.publisher_idle_timeout = cfg.jobs.jobs.idle_timeout;
  auto reg = system.spawn(registry, std::move(jobs));
  int rc = 0;
  {
    // The front end sees the registry's client role only.
    gateway actors{system, caf::actor_cast<caf::actor>(
                               caf::actor_cast<registry_client_actor>(reg))};
    server front{actors, http};
    try {
      auto port = front.listen();
      front.start();
      std::cout << "jobcast listening on http://" << http.address << ':' << port
                << '/' << std::endl;
      front.run_until_signal();
      std::cout << "jobcast stopped" << std::endl;
    } catch (const boost::system::system_error& err) {
      std::cerr << "jobcast: cannot listen on " << http.address << ':'
                << http.port << ": " << err.code().message() << std::endl;
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
  if (auto err = cfg.parse(std::move(args), jobcast::default_config_file)) {
    std::cerr << "jobcast: " << caf::actor_system_config::render(err)
              << std::endl;
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  std::string error;
  if (!jobcast::trusted_proxies::parse(cfg.http.trusted_proxies, error)) {
    std::cerr << "jobcast: --http.trusted-proxies: " << error << std::endl;
    return 2;
  }
  if (!cfg.http.jwt_key.empty()) {
    if (!cfg.http.start_token.empty()) {
      // Both would be Bearer tokens of the same requests.
      std::cerr << "jobcast: --auth.start-token and --auth.jwt-key exclude "
                   "each other: with access tokens, jobcast.start and "
                   "jobcast.cancel say who may start and cancel"
                << std::endl;
      return 2;
    }
    auto verifier = jobcast::access_verifier::from_key(cfg.http.jwt_key, error);
    if (!verifier) {
      std::cerr << "jobcast: --auth.jwt-key: " << error << std::endl;
      return 2;
    }
    cfg.http.access =
        std::make_shared<const jobcast::access_verifier>(std::move(*verifier));
  }
  auto commands = jobcast::read_commands(caf::content(cfg), error);
  if (!commands) {
    std::cerr << "jobcast: " << error << std::endl;
    return 2;
  }
  raise_file_limit();
  caf::actor_system system{cfg};
  return jobcast::run(system, cfg, *commands);
}
