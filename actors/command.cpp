#include "actors/command.hpp"

#include "actors/job_kinds.hpp"
#include "actors/log.hpp"

#include <caf/config_value.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/settings.hpp>
#include <caf/stateful_actor.hpp>
#include <csignal>
#include <thread>

namespace jobcast {

namespace {

struct command_state {
  ~command_state() {
    // Normally the worker quits only after the reader reaped the supervisor.
    // If it is torn down early, the group ends now, so that the join below
    // does not wait for a live process.
    if (pid > 0)
      signal_group(pid, SIGKILL);
    release_child(child);
    if (reader.joinable())
      reader.join();
    close_control(child);
  }

  /// The command's pid while it runs; -1 once it ended.
  pid_t pid = -1;
  /// The worker's share of the child: the control socket (see process.hpp).
  child_process child;
  std::thread reader;
  /// Why the process is being stopped, if it is: the job's end text.
  std::string stopping;
  /// The job already ended (cancel, shutdown): just clean up.
  bool orphaned = false;
  caf::error exit_reason;
  /// The job was told how the command ended (or needs no telling).
  bool done = false;
  /// The supervisor has exited and is reaped: nothing of the command is
  /// left.
  bool reaped = false;
  caf::error quit_reason;
  static inline const char* name = "command-worker";
};

using command_actor = caf::stateful_actor<command_state>;

void stop_process(command_actor* self, std::string why, caf::timespan grace) {
  auto& st = self->state;
  if (!st.stopping.empty() || st.pid <= 0)
    return;
  st.stopping = std::move(why);
  JOBCAST_LOG_INFO("command: stopping pid " << st.pid << ": " << st.stopping);
  signal_group(st.pid, SIGTERM);
  self->delayed_send(self, grace, kill_atom_v);
}

/// The worker stays until both the job knows the outcome and the processes
/// are gone.
void quit_when_done(command_actor* self) {
  auto& st = self->state;
  if (st.done && st.reaped)
    self->quit(st.quit_reason);
}

caf::behavior command_worker(command_actor* self, job_publisher_actor job,
                             command_spec cmd, command_options options) {
  auto& st = self->state;
  std::string error;
  auto child = start_child(
      cmd,
      std::chrono::duration_cast<std::chrono::milliseconds>(options.kill_grace),
      error);
  if (child.pid <= 0) {
    self->request(job, caf::infinite, finish_atom_v, job_state::failed, error)
        .then([=](std::uint64_t) { self->quit(); },
              [=](caf::error& err) { self->quit(err); });
    return {[](caf::message&) {}};
  }
  st.pid = child.pid;
  st.child = child;
  JOBCAST_LOG_INFO("command " << cmd.name << " started as pid " << st.pid
                              << ", supervisor pid " << child.supervisor);
  auto me = caf::actor_cast<caf::actor>(self);
  st.reader = std::thread{[me, child, max = options.max_line]() mutable {
    auto status = pump_lines(child, max, [&](std::vector<event_input> lines) {
      caf::anon_send(me, lines_atom_v, std::move(lines));
    });
    caf::anon_send(me, exited_atom_v, status);
    // Returns once the worker released the group and the supervisor has
    // ended what was left of it.
    reap_supervisor(child);
    caf::anon_send(me, reaped_atom_v);
  }};
  if (cmd.timeout.count() > 0)
    self->delayed_send(self, cmd.timeout, overtime_atom_v);
  self->monitor(job);
  // Errors answering fire-and-forget publishes (the job ended): ignore.
  self->set_error_handler([](caf::error&) {});
  auto grace = options.kill_grace;
  // Cancel, server stop, or the job going away: stop the process, but stay
  // until it is reaped so that nothing outlives the job.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    self->state.orphaned = true;
    self->state.exit_reason = msg.reason;
    stop_process(self, "stopped", grace);
  });
  self->set_down_handler([=](caf::down_msg& msg) {
    self->state.orphaned = true;
    self->state.exit_reason = msg.reason;
    stop_process(self, "job gone", grace);
  });
  auto timeout_text =
      "timed out after " + std::to_string(cmd.timeout.count()) + " ms";
  return {
      [=](lines_atom, event_batch& lines) {
        if (self->state.orphaned)
          return;
        // Fire and forget: messages to the job arrive in order, and the
        // finish below comes after every batch.
        self->send(job, publish_atom_v, std::move(lines));
      },
      [=](overtime_atom) { stop_process(self, timeout_text, grace); },
      [=](kill_atom) {
        if (self->state.pid > 0) {
          JOBCAST_LOG_WARNING("command: SIGKILL to pid " << self->state.pid);
          signal_group(self->state.pid, SIGKILL);
        }
      },
      [=](exited_atom, int status) {
        auto& st = self->state;
        JOBCAST_LOG_INFO("command pid "
                         << st.pid << " ended: " << describe_status(status));
        // Whatever the child left in its group goes too. The supervisor
        // still holds the command unreaped, so the group id is still ours.
        signal_group(st.pid, SIGKILL);
        release_child(st.child);
        st.pid = -1;
        if (st.orphaned) {
          st.done = true;
          st.quit_reason = st.exit_reason;
          quit_when_done(self);
          return;
        }
        auto ok = st.stopping.empty() && WIFEXITED(status) &&
                  WEXITSTATUS(status) == 0;
        auto text =
            ok ? std::string{}
               : (st.stopping.empty() ? describe_status(status) : st.stopping);
        auto finished = [=] {
          self->state.done = true;
          self->state.quit_reason = caf::error{};
          quit_when_done(self);
        };
        self->request(job, caf::infinite, finish_atom_v,
                      ok ? job_state::succeeded : job_state::failed, text)
            .then([=](std::uint64_t) { finished(); },
                  [=](caf::error&) { finished(); });
      },
      [=](reaped_atom) {
        self->state.reaped = true;
        close_control(self->state.child);
        quit_when_done(self);
      },
      // Replies to the fire-and-forget publishes.
      [](seq_list&) {},
  };
}

} // namespace

worker_launcher command_job(command_spec cmd, command_options options) {
  return
      [cmd, options](caf::local_actor* self, const job_publisher_actor& job) {
        return caf::actor{self->spawn(command_worker, job, cmd, options)};
      };
}

job_kind command_kind(command_spec cmd, command_options options) {
  auto name = cmd.name;
  return {std::move(name), command_job(std::move(cmd), options), true, false,
          true};
}

std::optional<std::vector<command_spec>>
read_commands(const caf::settings& config, std::string& error) {
  std::vector<command_spec> result;
  auto section = caf::get_if(&config, "commands");
  if (!section)
    return result;
  auto dict = caf::get_if<caf::settings>(section);
  if (!dict) {
    error = "commands: expected a section of named commands";
    return std::nullopt;
  }
  for (auto& [name, value] : *dict) {
    auto fail = [&, name = name](const std::string& what) {
      error = "commands." + name + ": " + what;
      return std::nullopt;
    };
    if (name.empty() ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                               "0123456789-_") != std::string::npos)
      return fail("names use a-z, 0-9, '-' and '_'");
    if (is_builtin_kind(name))
      return fail("name taken by a built-in job kind");
    auto decl = caf::get_if<caf::settings>(&value);
    if (!decl)
      return fail("expected { exec = \"...\", ... }");
    command_spec cmd;
    cmd.name = name;
    for (auto& [key, field] : *decl) {
      if (key == "exec") {
        auto str = caf::get_if<std::string>(&field);
        if (!str || str->empty() || (*str)[0] != '/')
          return fail("exec must be an absolute path");
        cmd.exec = *str;
      } else if (key == "args") {
        auto list = caf::get_if<caf::config_value::list>(&field);
        if (!list)
          return fail("args must be a list of strings");
        for (auto& arg : *list) {
          auto str = caf::get_if<std::string>(&arg);
          if (!str)
            return fail("args must be a list of strings");
          cmd.args.push_back(*str);
        }
      } else if (key == "cwd") {
        auto str = caf::get_if<std::string>(&field);
        if (!str)
          return fail("cwd must be a string");
        cmd.cwd = *str;
      } else if (key == "env") {
        auto vars = caf::get_if<caf::settings>(&field);
        if (!vars)
          return fail("env must be { NAME = \"value\", ... }");
        for (auto& [var, val] : *vars) {
          auto str = caf::get_if<std::string>(&val);
          if (!str)
            return fail("env." + var + " must be a string");
          cmd.env.emplace_back(var, *str);
        }
      } else if (key == "timeout") {
        auto span = caf::get_if<caf::timespan>(&field);
        if (!span || span->count() < 0)
          return fail("timeout must be a duration such as 30s");
        cmd.timeout =
            std::chrono::duration_cast<std::chrono::milliseconds>(*span);
      } else {
        return fail("unknown field " + key);
      }
    }
    if (cmd.exec.empty())
      return fail("exec is missing");
    result.push_back(std::move(cmd));
  }
  return result;
}

} // namespace jobcast
