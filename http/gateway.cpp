#include "http/gateway.hpp"

#include "actors/subscriber.hpp"
#include "actors/vocabulary.hpp"

#include <boost/asio/post.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <chrono>
#include <mutex>
#include <vector>

namespace jobcast {

namespace {

/// How long an ordinary request may wait for an actor's answer.
constexpr auto request_timeout = std::chrono::seconds{10};

/// The CAF -> Asio crossing: runs `fn` on the connection's executor. Every
/// call from an actor thread into the HTTP front end goes through here.
template <class F> void to_asio(const gateway::executor& ex, F&& fn) {
  boost::asio::post(ex, std::forward<F>(fn));
}

failure to_failure(const caf::error& err) {
  auto code = jobcast_code(err);
  return failure{code != 0 ? static_cast<errc>(code) : errc::internal,
                 caf::to_string(err)};
}

/// Forwards a subscriber actor's calls to a connection on that connection's
/// executor, and drops them once the connection is gone. Events that arrive
/// while a hand-over is already on its way join it: one post (and so one
/// write) carries a whole burst.
class asio_sink final : public event_sink,
                        public std::enable_shared_from_this<asio_sink> {
public:
  asio_sink(gateway::executor ex, std::weak_ptr<event_sink> target)
      : ex_(std::move(ex))
      , target_(std::move(target)) {}

  void opened(const job_info& info) override {
    to_asio(ex_, [t = target_, info] {
      if (auto p = t.lock())
        p->opened(info);
    });
  }

  void deliver(const event_ptr& ev) override {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      pending_.push_back(ev);
      if (scheduled_)
        return;
      scheduled_ = true;
    }
    to_asio(ex_, [self = shared_from_this()] {
      std::vector<event_ptr> batch;
      {
        std::lock_guard<std::mutex> guard{self->mtx_};
        batch.swap(self->pending_);
        self->scheduled_ = false;
      }
      if (auto p = self->target_.lock())
        for (auto& ev : batch)
          p->deliver(ev);
    });
  }

  void closed(stream_close why) override {
    to_asio(ex_, [t = target_, why] {
      if (auto p = t.lock())
        p->closed(why);
    });
  }

private:
  gateway::executor ex_;
  std::weak_ptr<event_sink> target_;
  std::mutex mtx_;
  std::vector<event_ptr> pending_;
  bool scheduled_ = false;
};

} // namespace

subscription_handle::subscription_handle(std::function<void()> stop)
    : stop_(std::move(stop)) {}

subscription_handle&
subscription_handle::operator=(subscription_handle&& other) noexcept {
  cancel();
  stop_ = std::move(other.stop_);
  other.stop_ = nullptr;
  return *this;
}

subscription_handle::~subscription_handle() {
  cancel();
}

void subscription_handle::cancel() {
  if (stop_) {
    auto stop = std::move(stop_);
    stop_ = nullptr;
    stop();
  }
}

struct gateway::impl {
  caf::actor_system& system;
  registry_actor registry;

  /// The Asio -> CAF crossing for request/response: a short-lived actor asks
  /// the registry and hands the answer back through `to_asio`.
  template <class T, class... Ts>
  void ask(executor ex, callback<T> done, Ts... xs) {
    // The registry goes in as a spawn argument, not a capture: CAF 0.17
    // binds a reference to a null tuple for function actors spawned
    // without arguments, which UBSan rightly reports.
    system.spawn(
        [=](caf::event_based_actor* self, const registry_actor& reg) {
          self->request(reg, request_timeout, xs...)
              .then(
                  [=](T& value) {
                    to_asio(ex, [done, value = std::move(value)]() mutable {
                      done(std::move(value));
                    });
                  },
                  [=](caf::error& err) {
                    to_asio(ex, [done, f = to_failure(err)] { done(f); });
                  });
        },
        registry);
  }
};

gateway::gateway(caf::actor_system& system, const caf::actor& registry)
    : impl_(new impl{system, caf::actor_cast<registry_actor>(registry)}) {}

gateway::~gateway() = default;

void gateway::start_job(job_spec spec, executor ex, callback<job_info> done) {
  impl_->ask<job_info>(std::move(ex), std::move(done), start_atom::value,
                       std::move(spec));
}

void gateway::list_jobs(executor ex, callback<std::vector<job_info>> done) {
  impl_->ask<std::vector<job_info>>(std::move(ex), std::move(done),
                                    list_atom::value);
}

void gateway::job(job_id id, executor ex, callback<job_info> done) {
  impl_->ask<job_info>(std::move(ex), std::move(done), info_atom::value, id);
}

void gateway::cancel_job(job_id id, executor ex, callback<job_info> done) {
  impl_->ask<job_info>(std::move(ex), std::move(done), cancel_atom::value, id);
}

void gateway::publish(job_id id, std::string token_hash,
                      std::vector<event_input> events, executor ex,
                      callback<std::vector<std::uint64_t>> done) {
  impl_->ask<seq_list>(std::move(ex), std::move(done), publish_atom::value, id,
                       std::move(token_hash), std::move(events));
}

void gateway::finish(job_id id, std::string token_hash, job_state state,
                     std::string text, executor ex, callback<job_info> done) {
  impl_->ask<job_info>(std::move(ex), std::move(done), finish_atom::value, id,
                       std::move(token_hash), state, std::move(text));
}

std::size_t gateway::running_actors() const {
  return impl_->system.registry().running();
}

subscription_handle gateway::subscribe(job_id id, std::uint64_t after,
                                       executor ex,
                                       std::weak_ptr<event_sink> target) {
  auto sink = std::make_shared<asio_sink>(std::move(ex), std::move(target));
  auto sub = impl_->system.spawn(subscriber, impl_->registry, id, after,
                                 std::move(sink));
  return subscription_handle{
      [sub] { caf::anon_send_exit(sub, caf::exit_reason::user_shutdown); }};
}

} // namespace jobcast
