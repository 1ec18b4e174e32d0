#include "redis/connection.hpp"

#include "redis/backoff.hpp"
#include "redis/errc.hpp"
#include "redis/link.hpp"
#include "redis/script.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <map>
#include <vector>

namespace jobcast::redis {

namespace asio = boost::asio;

class connection::impl : public std::enable_shared_from_this<impl> {
public:
  using clock = std::chrono::steady_clock;

  impl(asio::io_context& ioc, options opts, health_handlers health)
      : ioc_{ioc}
      , opts_{std::move(opts)}
      , health_{std::move(health)}
      , backoff_{opts_.reconnect_initial, opts_.reconnect_max}
      , deadline_timer_{ioc}
      , retry_timer_{ioc} {}

  ~impl() {
    if (link_)
      link_->close();
  }

  void start() { attempt(); }

  void request(const command_args& args, callback cb) {
    submit(args, clock::now() + opts_.timeout, std::move(cb));
  }

  void eval(const script& s, const command_args& keys, const command_args& args,
            callback cb) {
    auto deadline = clock::now() + opts_.timeout;
    auto numkeys = std::to_string(keys.size());
    command_args evalsha{"EVALSHA", s.sha1(), numkeys};
    evalsha.insert(evalsha.end(), keys.begin(), keys.end());
    evalsha.insert(evalsha.end(), args.begin(), args.end());
    // What EVAL needs if Redis does not have the script: the views passed
    // in do not live that long.
    auto fallback = std::make_shared<std::vector<std::string>>();
    fallback->reserve(3 + keys.size() + args.size());
    fallback->insert(fallback->end(), {"EVAL", s.source(), numkeys});
    fallback->insert(fallback->end(), keys.begin(), keys.end());
    fallback->insert(fallback->end(), args.begin(), args.end());
    // Loaded again in each handshake from now on.
    scripts_.try_emplace(s.sha1(), s.source());
    submit(evalsha, deadline,
           [weak = weak_from_this(), fallback, deadline,
            cb = std::move(cb)](std::error_code ec, reply r) mutable {
             auto self = weak.lock();
             if (ec || !self || !r.is_error("NOSCRIPT"))
               return cb(ec, std::move(r));
             command_args again{fallback->begin(), fallback->end()};
             self->submit(again, deadline, std::move(cb));
           });
  }

  void close() {
    if (phase_ == phase::closed)
      return;
    phase_ = phase::closed;
    drop_link();
    deadline_timer_.cancel();
    retry_timer_.cancel();
    // Posted: this may run inside the owner's destructor.
    for (auto* list : {&in_flight_, &queued_})
      for (auto& e : *list)
        if (!e.answered)
          post_failure(std::move(e.cb), errc::closed);
    in_flight_.clear();
    queued_.clear();
  }

  bool up() const { return phase_ == phase::up; }
  std::uint64_t failures() const { return failures_; }

private:
  enum class phase { waiting, connecting, handshake, up, closed };
  enum class reported { nothing, up, down };

  struct entry {
    callback cb;
    clock::time_point deadline;
    clock::time_point sent_at{};
    std::string bytes;     // until written
    bool answered = false; // timed out: its reply, when it comes, is dropped
  };

  void post_failure(callback cb, errc code) {
    asio::post(ioc_, [cb = std::move(cb), code] { cb(code, reply{}); });
  }

  void submit(const command_args& args, clock::time_point deadline,
              callback cb) {
    if (args.empty())
      return post_failure(std::move(cb), errc::empty_command);
    if (phase_ == phase::closed)
      return post_failure(std::move(cb), errc::closed);
    if (known_down_)
      return post_failure(std::move(cb), errc::not_connected);
    if (deadline <= clock::now())
      return post_failure(std::move(cb), errc::timeout);
    entry e;
    e.cb = std::move(cb);
    e.deadline = deadline;
    append_command(e.bytes, args);
    if (phase_ == phase::up)
      send(std::move(e));
    else
      queued_.push_back(std::move(e));
    arm(deadline);
  }

  void send(entry e) {
    e.sent_at = clock::now();
    link_->write(e.bytes);
    e.bytes = std::string{};
    in_flight_.push_back(std::move(e));
  }

  // -- connecting -----------------------------------------------------------

  void attempt() {
    phase_ = phase::connecting;
    attempt_deadline_ = clock::now() + opts_.timeout;
    arm(attempt_deadline_);
    link_ = std::make_shared<link>(
        ioc_, link::handlers{[this] { connected(); },
                             [this](reply r) { received(std::move(r)); },
                             [this](std::error_code ec, std::string detail) {
                               auto self = shared_from_this();
                               lose(ec, detail);
                             }});
    link_->open(opts_.address);
  }

  void connected() {
    phase_ = phase::handshake;
    auto step = [this](const command_args& args, bool must_succeed) {
      entry e;
      e.deadline = attempt_deadline_;
      e.cb = [this, must_succeed](std::error_code ec, reply r) {
        // A failed link fails this entry too: lose() handles that.
        if (ec || phase_ != phase::handshake)
          return;
        if (must_succeed && r.is_error())
          return lose(errc::not_connected, "the handshake failed: " + r.text);
        if (--handshake_left_ == 0)
          became_up();
      };
      append_command(e.bytes, args);
      ++handshake_left_;
      send(std::move(e));
    };
    handshake_left_ = 0;
    if (opts_.address.db != 0)
      step({"SELECT", std::to_string(opts_.address.db)}, true);
    // A script that does not load is not the connection's problem: its
    // caller hears of it through EVAL.
    for (auto& [sha, source] : scripts_)
      step({"SCRIPT", "LOAD", source}, false);
    step({"PING"}, true);
  }

  void became_up() {
    phase_ = phase::up;
    known_down_ = false;
    backoff_.reset();
    auto waiting = std::move(queued_);
    queued_.clear();
    for (auto& e : waiting)
      if (!e.answered)
        send(std::move(e));
    if (reported_ != reported::up) {
      reported_ = reported::up;
      if (health_.up)
        health_.up();
    }
  }

  void drop_link() {
    if (link_) {
      link_->close();
      link_.reset();
    }
  }

  /// The link failed, the handshake failed, or Redis went silent: fail
  /// what is pending, tell the owner, try again later.
  void lose(std::error_code why, std::string detail) {
    if (phase_ == phase::closed || phase_ == phase::waiting)
      return;
    auto self = shared_from_this();
    drop_link();
    phase_ = phase::waiting;
    known_down_ = true;
    ++failures_;
    auto in_flight = std::move(in_flight_);
    auto queued = std::move(queued_);
    in_flight_.clear();
    queued_.clear();
    retry_timer_.expires_after(backoff_.next());
    retry_timer_.async_wait(
        [weak = weak_from_this()](boost::system::error_code ec) {
          auto self = weak.lock();
          if (!ec && self && self->phase_ == phase::waiting)
            self->attempt();
        });
    // A request that was written may have run (connection_lost); one that
    // was not, did not (not_connected).
    std::error_code written = why == errc::protocol_error
                                  ? why
                                  : make_error_code(errc::connection_lost);
    bool report = reported_ != reported::down;
    reported_ = reported::down;
    for (auto& e : in_flight)
      if (!e.answered)
        e.cb(written, reply{});
    for (auto& e : queued)
      if (!e.answered)
        e.cb(errc::not_connected, reply{});
    if (report && health_.down && phase_ != phase::closed)
      health_.down(why, detail);
  }

  // -- replies --------------------------------------------------------------

  void received(reply r) {
    auto self = shared_from_this();
    if (in_flight_.empty())
      return lose(errc::protocol_error, "Redis sent a reply nobody asked for");
    auto e = std::move(in_flight_.front());
    in_flight_.pop_front();
    if (!e.answered)
      e.cb({}, std::move(r));
  }

  // -- deadlines ------------------------------------------------------------

  /// Makes sure the timer fires by `deadline`. One timer serves every
  /// request: requests come in deadline order (but for EVAL after
  /// NOSCRIPT, which keeps its first deadline), so it is rarely moved.
  void arm(clock::time_point deadline) {
    if (deadline >= timer_at_)
      return;
    timer_at_ = deadline;
    deadline_timer_.expires_at(deadline);
    deadline_timer_.async_wait(
        [weak = weak_from_this()](boost::system::error_code ec) {
          auto self = weak.lock();
          if (ec != asio::error::operation_aborted && self)
            self->expire();
        });
  }

  void expire() {
    if (phase_ == phase::closed)
      return;
    auto self = shared_from_this();
    timer_at_ = clock::time_point::max();
    auto now = clock::now();
    if ((phase_ == phase::connecting || phase_ == phase::handshake) &&
        attempt_deadline_ <= now)
      return lose(errc::timeout, "no answer within " +
                                     std::to_string(opts_.timeout.count()) +
                                     " ms of connecting");
    std::vector<callback> late;
    bool dead = false;
    auto next = clock::time_point::max();
    for (auto& e : in_flight_) {
      if (e.answered)
        continue;
      if (e.deadline > now) {
        next = std::min(next, e.deadline);
        continue;
      }
      e.answered = true;
      late.push_back(std::move(e.cb));
      // Nothing came since it was sent: not a slow reply, a dead peer.
      if (!link_ || link_->last_read() < e.sent_at)
        dead = true;
    }
    for (auto it = queued_.begin(); it != queued_.end();) {
      if (it->deadline > now) {
        next = std::min(next, it->deadline);
        ++it;
        continue;
      }
      late.push_back(std::move(it->cb));
      it = queued_.erase(it);
    }
    if (phase_ == phase::connecting || phase_ == phase::handshake)
      next = std::min(next, attempt_deadline_);
    if (!dead && next != clock::time_point::max())
      arm(next);
    for (auto& cb : late)
      cb(errc::timeout, reply{});
    if (dead)
      lose(errc::timeout,
           "no answer within " + std::to_string(opts_.timeout.count()) + " ms");
  }

  asio::io_context& ioc_;
  options opts_;
  health_handlers health_;
  backoff backoff_;
  std::shared_ptr<link> link_;
  phase phase_ = phase::waiting;
  reported reported_ = reported::nothing;
  /// The last attempt failed: requests fail at once until one succeeds.
  bool known_down_ = false;
  std::uint64_t failures_ = 0;
  std::deque<entry> in_flight_; // written, answered in this order
  std::deque<entry> queued_;    // waiting for the handshake
  std::size_t handshake_left_ = 0;
  clock::time_point attempt_deadline_{};
  asio::steady_timer deadline_timer_;
  clock::time_point timer_at_ = clock::time_point::max();
  asio::steady_timer retry_timer_;
  /// The scripts run so far (by SHA-1), loaded in each handshake.
  std::map<std::string, std::string> scripts_;
};

connection::connection(asio::io_context& ioc, options opts,
                       health_handlers health)
    : impl_{std::make_shared<impl>(ioc, std::move(opts), std::move(health))} {
  impl_->start();
}

connection::~connection() {
  impl_->close();
}

void connection::request(const command_args& args, callback cb) {
  impl_->request(args, std::move(cb));
}

void connection::eval(const script& s, const command_args& keys,
                      const command_args& args, callback cb) {
  impl_->eval(s, keys, args, std::move(cb));
}

void connection::close() {
  impl_->close();
}

bool connection::up() const {
  return impl_->up();
}

std::uint64_t connection::failures() const {
  return impl_->failures();
}

} // namespace jobcast::redis
