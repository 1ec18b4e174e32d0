// jobcast: runs background jobs and streams their progress to every viewer.

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
  caf::timespan demo_interval = std::chrono::seconds{1};
  caf::timespan retention = std::chrono::minutes{10};

  config() {
    // Show who logs: %a is the actor id (0 outside actors).
    set("logger.console-format", "%r %p %c %a: %m");
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
             "unsent bytes a stream may fall behind before it is dropped");
    opt_group{custom_options_, "demo"}.add(
        demo_interval, "interval", "time between the demo job's messages");
    opt_group{custom_options_, "jobs"}.add(
        retention, "retention", "how long finished jobs stay viewable");
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
    return result;
  }

  registry_settings jobs() const {
    registry_settings result;
    result.kinds.emplace("demo", demo_job(demo_interval));
    result.retention = retention;
    return result;
  }
};

int run(caf::actor_system& system, const config& cfg) {
  auto reg = system.spawn(registry, cfg.jobs());
  int rc = 0;
  {
    gateway actors{system, caf::actor_cast<caf::actor>(reg)};
    server front{actors, cfg.http()};
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
  caf::actor_system system{cfg};
  return jobcast::run(system, cfg);
}
