#pragma once

// The HTTP front end's only door into the actor system, in both directions:
//  - Asio -> CAF: every request to an actor starts here (`start_job`,
//    `subscribe`, ...).
//  - CAF -> Asio: every answer and every event comes back through here,
//    handed to the thread of the connection that asked, through that
//    thread's inbox (gateway.cpp).
// Nothing else in http/ talks to actors (server.cpp only uses CAF's logger).

#include "actors/event_sink.hpp"
#include "actors/job_info.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace caf {
class actor;
class actor_system;
} // namespace caf

namespace jobcast {

/// Why an actor request failed (errors.hpp says it in words).
struct failure {
  errc code = errc::internal;
};

/// Either an actor's answer or why there is none.
template <class T> using outcome = std::variant<T, failure>;

/// Stops its subscriber actor when destroyed or cancelled; asks it for the
/// next page of history. Move-only.
class subscription_handle {
public:
  subscription_handle() = default;
  subscription_handle(std::function<void()> stop, std::function<void()> more);
  subscription_handle(subscription_handle&&) noexcept = default;
  subscription_handle& operator=(subscription_handle&& other) noexcept;
  ~subscription_handle();

  void cancel();

  /// The connection took the last page: the next one may come.
  void more();

private:
  std::function<void()> stop_;
  std::function<void()> more_;
};

class gateway {
public:
  using executor = boost::asio::any_io_executor;

  template <class T> using callback = std::function<void(outcome<T>)>;

  /// `registry` is a `registry_client_actor` (actors/vocabulary.hpp), cast
  /// to `caf::actor` so that this header needs no CAF includes: the HTTP
  /// front end sees only the registry's client role.
  gateway(caf::actor_system& system, const caf::actor& registry);

  ~gateway();

  /// Starts a job; `done` runs on `ex`.
  void start_job(job_spec spec, executor ex, callback<job_info> done);

  /// A page of the job list, newest first; `done` runs on `ex`.
  void list_jobs(job_query query, executor ex, callback<job_listing> done);

  /// Fetches one job's info; `done` runs on `ex`.
  void job(job_id id, executor ex, callback<job_info> done);

  /// Cancels a job; `done` runs on `ex` with its info after the end event.
  void cancel_job(job_id id, executor ex, callback<job_info> done);

  /// Publishes events to an external job, authenticated by the hash of its
  /// token; `done` runs on `ex` with their sequence numbers.
  void publish(job_id id, std::string token_hash,
               std::vector<event_input> events, executor ex,
               callback<std::vector<std::uint64_t>> done);

  /// Ends an external job, authenticated like `publish`.
  void finish(job_id id, std::string token_hash, job_state state,
              std::string text, executor ex, callback<job_info> done);

  /// CAF actors alive (for /metrics and leak tests).
  std::size_t running_actors() const;

  /// Spawns a subscriber actor for job `id` from resume point `from` on,
  /// replaying the history in pages of about `page_bytes` of text. Its calls
  /// reach `target` on `ex`, in order, for as long as `target` lives.
  subscription_handle subscribe(job_id id, resume_point from,
                                std::uint64_t page_bytes, executor ex,
                                std::weak_ptr<event_sink> target);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace jobcast
