#include "http/gateway.hpp"

#include "actors/log.hpp"
#include "actors/subscriber.hpp"
#include "actors/vocabulary.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace jobcast {

namespace {

/// How long an ordinary request may wait for an actor's answer.
constexpr auto request_timeout = std::chrono::seconds{10};

/// The CAF -> Asio crossing, one per io_context (an Asio service). Every
/// call from an actor thread into the HTTP front end is put here and runs on
/// that context's thread, in the order it was put. Whatever arrives while a
/// drain is already on its way joins it: a fan-out of one event to the
/// thousands of connections on one thread costs one post, not one each, and
/// no strand is needed because the server runs each context on exactly one
/// thread.
class inbox final : public boost::asio::execution_context::service {
public:
  /// A connection's event, or any other call.
  struct item {
    std::weak_ptr<event_sink> target;
    event_ptr ev;
    std::function<void()> call;
  };

  /// Shared with every sink that posts here, so that a sink may outlive the
  /// io_context (actors stop after the HTTP front end).
  class state {
  public:
    explicit state(boost::asio::io_context::executor_type ex)
        : ex_(ex) {}

    void put(item x) {
      std::lock_guard<std::mutex> guard{mtx_};
      if (closed_)
        return;
      items_.push_back(std::move(x));
      if (scheduled_)
        return;
      scheduled_ = true;
      // Posted under the lock, so that `close` cannot slip in between.
      boost::asio::post(ex_, [self = this] { self->drain(); });
    }

    void close() {
      std::vector<item> dropped;
      {
        std::lock_guard<std::mutex> guard{mtx_};
        closed_ = true;
        dropped.swap(items_);
      }
      // Destroyed unlocked: an item may hold the last reference to a
      // connection, whose destructor must be free to do anything.
    }

  private:
    void drain() {
      {
        std::lock_guard<std::mutex> guard{mtx_};
        batch_.swap(items_);
        scheduled_ = false;
      }
      for (auto& x : batch_) {
        if (x.call) {
          x.call();
        } else if (auto target = x.target.lock()) {
          target->deliver(x.ev);
          delivered_.push_back(std::move(target));
        }
      }
      // Each connection writes what it got in this batch in one go.
      for (auto& target : delivered_)
        target->flush();
      delivered_.clear();
      batch_.clear();
      // Keep the capacity of ordinary bursts, not of the largest ever.
      if (batch_.capacity() > max_kept_capacity) {
        batch_.shrink_to_fit();
        delivered_.shrink_to_fit();
      }
    }

    static constexpr std::size_t max_kept_capacity = 64 * 1024;

    boost::asio::io_context::executor_type ex_;
    std::mutex mtx_;
    std::vector<item> items_;
    // Only touched on the context's thread:
    std::vector<item> batch_;
    std::vector<std::shared_ptr<event_sink>> delivered_;
    bool scheduled_ = false;
    bool closed_ = false;
  };

  using key_type = inbox;
  static inline boost::asio::execution_context::id id;

  explicit inbox(boost::asio::io_context& ioc)
      : service(ioc)
      , state_(std::make_shared<state>(ioc.get_executor())) {}

  /// The inbox of the io_context behind `ex`, which must be an io_context's
  /// own executor (no strand: the context runs on one thread).
  static std::shared_ptr<state> of(const gateway::executor& ex) {
    using io_executor = boost::asio::io_context::executor_type;
    const auto* io = ex.target<io_executor>();
    if (!io)
      throw std::logic_error{"gateway: not an io_context executor"};
    return boost::asio::use_service<inbox>(io->context()).state_;
  }

private:
  void shutdown() override { state_->close(); }

  std::shared_ptr<state> state_;
};

/// Runs `fn` on the thread of the connection behind `ex`.
void to_asio(const gateway::executor& ex, std::function<void()> fn) {
  inbox::of(ex)->put({{}, {}, std::move(fn)});
}

failure to_failure(const caf::error& err) {
  auto code = jobcast_code(err);
  if (code != 0)
    return failure{static_cast<errc>(code)};
  // Clients hear only "unavailable" (errors.cpp); the log says why.
  JOBCAST_LOG_WARNING("gateway: request failed: " << to_string(err));
  return failure{errc::internal};
}

/// Forwards a subscriber actor's calls to a connection's thread through its
/// inbox, and drops them once the connection is gone.
class asio_sink final : public event_sink {
public:
  asio_sink(std::shared_ptr<inbox::state> box, std::weak_ptr<event_sink> target,
            std::uint64_t page_bytes)
      : box_(std::move(box))
      , target_(std::move(target))
      , page_bytes_(page_bytes) {}

  void opened(const job_info& info) override {
    box_->put({{}, {}, [t = target_, info] {
                 if (auto p = t.lock())
                   p->opened(info);
               }});
  }

  void replay(const event_page& events, bool caught_up) override {
    // One hand-over per page, not per event.
    box_->put({{}, {}, [t = target_, events, caught_up] {
                 if (auto p = t.lock()) {
                   p->replay(events, caught_up);
                   p->flush();
                 }
               }});
  }

  void deliver(const event_ptr& ev) override { box_->put({target_, ev, {}}); }

  std::uint64_t page_bytes() const override { return page_bytes_; }

  void closed(stream_close why) override {
    box_->put({{}, {}, [t = target_, why] {
                 if (auto p = t.lock())
                   p->closed(why);
               }});
  }

private:
  std::shared_ptr<inbox::state> box_;
  std::weak_ptr<event_sink> target_;
  std::uint64_t page_bytes_;
};

} // namespace

subscription_handle::subscription_handle(std::function<void()> stop,
                                         std::function<void()> more)
    : stop_(std::move(stop))
    , more_(std::move(more)) {}

subscription_handle&
subscription_handle::operator=(subscription_handle&& other) noexcept {
  cancel();
  stop_ = std::move(other.stop_);
  more_ = std::move(other.more_);
  other.stop_ = nullptr;
  other.more_ = nullptr;
  return *this;
}

void subscription_handle::more() {
  if (stop_ && more_)
    more_();
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
  registry_client_actor registry;

  /// The Asio -> CAF crossing for request/response: a short-lived actor asks
  /// the registry and hands the answer back through `to_asio`.
  template <class T, class... Ts>
  void ask(executor ex, callback<T> done, Ts... xs) {
    // The registry goes in as a spawn argument, not a capture: CAF 0.17
    // binds a reference to a null tuple for function actors spawned
    // without arguments, which UBSan rightly reports.
    system.spawn(
        [=](caf::event_based_actor* self, const registry_client_actor& reg) {
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
    : impl_(
          new impl{system, caf::actor_cast<registry_client_actor>(registry)}) {}

gateway::~gateway() = default;

void gateway::start_job(job_spec spec, executor ex, callback<job_info> done) {
  impl_->ask<job_info>(std::move(ex), std::move(done), start_atom_v,
                       std::move(spec));
}

void gateway::list_jobs(job_query query, executor ex,
                        callback<job_listing> done) {
  impl_->ask<job_listing>(std::move(ex), std::move(done), list_atom_v,
                          std::move(query));
}

void gateway::job(job_id id, executor ex, callback<job_info> done) {
  impl_->ask<job_info>(std::move(ex), std::move(done), info_atom_v, id);
}

void gateway::cancel_job(job_id id, executor ex, callback<job_info> done) {
  impl_->ask<job_info>(std::move(ex), std::move(done), cancel_atom_v, id);
}

void gateway::publish(job_id id, std::string token_hash,
                      std::vector<event_input> events, executor ex,
                      callback<std::vector<std::uint64_t>> done) {
  // Backpressure: the answer waits behind whatever the actors handed to this
  // thread's connections before it (the earlier events' deliveries), so a
  // publisher cannot run ahead of its viewers and fill the inbox.
  auto box = inbox::of(ex);
  callback<seq_list> behind_deliveries = [box, done](outcome<seq_list> r) {
    box->put({{}, {}, [done, r] { done(r); }});
  };
  impl_->ask<seq_list>(std::move(ex), std::move(behind_deliveries),
                       publish_atom_v, id, std::move(token_hash),
                       std::move(events));
}

void gateway::finish(job_id id, std::string token_hash, job_state state,
                     std::string text, executor ex, callback<job_info> done) {
  impl_->ask<job_info>(std::move(ex), std::move(done), finish_atom_v, id,
                       std::move(token_hash), state, std::move(text));
}

std::size_t gateway::running_actors() const {
  return impl_->system.registry().running();
}

subscription_handle gateway::subscribe(job_id id, resume_point from,
                                       std::uint64_t page_bytes, executor ex,
                                       std::weak_ptr<event_sink> target) {
  auto sink =
      std::make_shared<asio_sink>(inbox::of(ex), std::move(target), page_bytes);
  auto sub = impl_->system.spawn(subscriber, impl_->registry, id, from,
                                 std::move(sink));
  return subscription_handle{
      [sub] { caf::anon_send_exit(sub, caf::exit_reason::user_shutdown); },
      [sub] { caf::anon_send(sub, more_atom_v); }};
}

} // namespace jobcast
