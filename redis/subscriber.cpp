#include "redis/subscriber.hpp"

#include "redis/backoff.hpp"
#include "redis/command.hpp"
#include "redis/errc.hpp"
#include "redis/link.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <set>
#include <utility>
#include <vector>

namespace jobcast::redis {

namespace asio = boost::asio;

namespace {

enum class change { subscribe, unsubscribe, psubscribe, punsubscribe, ping };

std::string_view command_name(change c) {
  switch (c) {
  case change::subscribe:
    return "SUBSCRIBE";
  case change::unsubscribe:
    return "UNSUBSCRIBE";
  case change::psubscribe:
    return "PSUBSCRIBE";
  case change::punsubscribe:
    return "PUNSUBSCRIBE";
  case change::ping:
    break;
  }
  return "PING";
}

/// The confirmation's first element, as Redis names it.
std::string_view confirmation(change c) {
  switch (c) {
  case change::subscribe:
    return "subscribe";
  case change::unsubscribe:
    return "unsubscribe";
  case change::psubscribe:
    return "psubscribe";
  case change::punsubscribe:
    return "punsubscribe";
  case change::ping:
    break;
  }
  return "pong";
}

/// Channels per SUBSCRIBE when resubscribing: one command for thousands
/// of jobs would be one huge write and one long pause in Redis.
constexpr std::size_t batch = 512;

} // namespace

class subscriber::impl : public std::enable_shared_from_this<impl> {
public:
  using clock = std::chrono::steady_clock;

  impl(asio::io_context& ioc, options opts, handlers h)
      : ioc_{ioc}
      , opts_{std::move(opts)}
      , handlers_{std::move(h)}
      , backoff_{opts_.reconnect_initial, opts_.reconnect_max}
      , deadline_timer_{ioc}
      , retry_timer_{ioc}
      , ping_timer_{ioc} {}

  ~impl() {
    if (link_)
      link_->close();
  }

  void start() {
    attempt();
    keep_alive();
  }

  void ask(change c, std::string name, done cb) {
    auto& interest = c == change::subscribe || c == change::unsubscribe
                         ? channels_
                         : patterns_;
    if (c == change::subscribe || c == change::psubscribe)
      interest.insert(name);
    else
      interest.erase(name);
    if (phase_ == phase::closed)
      return post(std::move(cb), errc::closed);
    auto deadline = clock::now() + opts_.timeout;
    if (phase_ == phase::handshake || phase_ == phase::up) {
      send(c, {std::move(name)}, deadline, false, std::move(cb));
      return arm(deadline);
    }
    if (known_down_)
      return post(std::move(cb), errc::not_connected);
    queued_.push_back({c, std::move(name), std::move(cb), deadline});
    arm(deadline);
  }

  void close() {
    if (phase_ == phase::closed)
      return;
    phase_ = phase::closed;
    drop_link();
    deadline_timer_.cancel();
    retry_timer_.cancel();
    ping_timer_.cancel();
    for (auto& a : acks_)
      if (!a.answered)
        post(std::move(a.cb), errc::closed);
    for (auto& q : queued_)
      post(std::move(q.cb), errc::closed);
    acks_.clear();
    queued_.clear();
  }

  bool up() const { return phase_ == phase::up; }
  std::uint64_t failures() const { return failures_; }

private:
  enum class phase { waiting, connecting, handshake, up, closed };
  enum class reported { nothing, up, down };

  /// A change sent and not yet confirmed. Redis confirms in the order of
  /// the commands, one confirmation per channel or pattern named, however
  /// many messages come in between.
  struct ack {
    change what;
    std::string name;
    done cb;
    clock::time_point deadline;
    clock::time_point sent_at;
    bool handshake = false;
    bool answered = false; // timed out: its confirmation is dropped
  };

  /// A change asked for before the first connection was up.
  struct later {
    change what;
    std::string name;
    done cb;
    clock::time_point deadline;
  };

  void post(done cb, errc code) {
    if (cb)
      asio::post(ioc_, [cb = std::move(cb), code] { cb(code); });
  }

  static void call(done& cb, std::error_code ec) {
    if (cb)
      cb(ec);
  }

  /// One command naming `names` (none for PING), one ack per name.
  void send(change c, std::vector<std::string> names,
            clock::time_point deadline, bool handshake, done cb) {
    command_args args{command_name(c)};
    for (auto& n : names)
      args.push_back(n);
    link_->write(format_command(args));
    auto now = clock::now();
    if (names.empty())
      names.emplace_back();
    for (std::size_t i = 0; i < names.size(); ++i) {
      ack a{c, std::move(names[i]), {}, deadline, now, handshake};
      if (i + 1 == names.size())
        a.cb = std::move(cb);
      acks_.push_back(std::move(a));
      if (handshake)
        ++handshake_left_;
    }
  }

  // -- connecting -----------------------------------------------------------

  void attempt() {
    phase_ = phase::connecting;
    attempt_deadline_ = clock::now() + opts_.timeout;
    arm(attempt_deadline_);
    link_ = std::make_shared<link>(
        ioc_, link::handlers{[this] { connected(); },
                             [this](reply r) {
                               auto self = shared_from_this();
                               received(std::move(r));
                             },
                             [this](std::error_code ec, std::string detail) {
                               auto self = shared_from_this();
                               lose(ec, detail);
                             }});
    link_->open(opts_.address);
  }

  /// Subscribes again to everything asked for (pub/sub ignores SELECT),
  /// or, with nothing to subscribe to, PINGs: either way the connection is
  /// up only once Redis has answered.
  void connected() {
    phase_ = phase::handshake;
    handshake_left_ = 0;
    auto resubscribe = [this](change c, const std::set<std::string>& names) {
      std::vector<std::string> chunk;
      for (auto& name : names) {
        chunk.push_back(name);
        if (chunk.size() == batch)
          send(c, std::exchange(chunk, {}), attempt_deadline_, true, {});
      }
      if (!chunk.empty())
        send(c, std::move(chunk), attempt_deadline_, true, {});
    };
    resubscribe(change::subscribe, channels_);
    resubscribe(change::psubscribe, patterns_);
    if (handshake_left_ == 0)
      send(change::ping, {}, attempt_deadline_, true, {});
    auto waiting = std::move(queued_);
    queued_.clear();
    for (auto& q : waiting)
      send(q.what, {std::move(q.name)}, q.deadline, false, std::move(q.cb));
  }

  void became_up() {
    phase_ = phase::up;
    bool after_failure = known_down_;
    known_down_ = false;
    backoff_.reset();
    if (reported_ != reported::up) {
      reported_ = reported::up;
      if (handlers_.health.up)
        handlers_.health.up();
    }
    if (after_failure && phase_ == phase::up && handlers_.resubscribed)
      handlers_.resubscribed();
  }

  void drop_link() {
    if (link_) {
      link_->close();
      link_.reset();
    }
  }

  void lose(std::error_code why, std::string detail) {
    if (phase_ == phase::closed || phase_ == phase::waiting)
      return;
    drop_link();
    phase_ = phase::waiting;
    known_down_ = true;
    ++failures_;
    auto acks = std::move(acks_);
    auto queued = std::move(queued_);
    acks_.clear();
    queued_.clear();
    retry_timer_.expires_after(backoff_.next());
    retry_timer_.async_wait(
        [weak = weak_from_this()](boost::system::error_code ec) {
          auto self = weak.lock();
          if (!ec && self && self->phase_ == phase::waiting)
            self->attempt();
        });
    bool report = reported_ != reported::down;
    reported_ = reported::down;
    for (auto& a : acks)
      if (!a.answered)
        call(a.cb, errc::connection_lost);
    for (auto& q : queued)
      call(q.cb, errc::not_connected);
    if (report && handlers_.health.down && phase_ != phase::closed)
      handlers_.health.down(why, detail);
  }

  // -- what Redis sends -----------------------------------------------------

  void received(reply r) {
    if (r.kind == reply_kind::status && r.text == "PONG")
      return confirmed(change::ping, "");
    if (r.is_error())
      return refused(r.text);
    auto& e = r.elements;
    if (r.kind != reply_kind::array || e.empty() ||
        e[0].kind != reply_kind::string)
      return lose(errc::protocol_error,
                  "Redis sent " + to_string(r) + " on a pub/sub connection");
    auto& kind = e[0].text;
    if (kind == "message" && e.size() == 3) {
      // A message for a channel given up may still come before Redis reads
      // the UNSUBSCRIBE: nobody wants it.
      if (channels_.count(e[1].text) && handlers_.received)
        handlers_.received({std::move(e[1].text), std::move(e[2].text), {}});
      return;
    }
    if (kind == "pmessage" && e.size() == 4) {
      if (patterns_.count(e[1].text) && handlers_.received)
        handlers_.received(
            {std::move(e[2].text), std::move(e[3].text), std::move(e[1].text)});
      return;
    }
    for (auto c : {change::subscribe, change::unsubscribe, change::psubscribe,
                   change::punsubscribe, change::ping})
      if (kind == confirmation(c) && e.size() >= 2)
        return confirmed(c, c == change::ping ? "" : e[1].text);
    lose(errc::protocol_error,
         "Redis sent " + to_string(r) + " on a pub/sub connection");
  }

  void confirmed(change c, const std::string& name) {
    if (acks_.empty() || acks_.front().what != c ||
        (c != change::ping && acks_.front().name != name))
      return lose(errc::protocol_error,
                  "Redis confirmed " + std::string{confirmation(c)} + " " +
                      name + ", which was not asked for next");
    auto a = std::move(acks_.front());
    acks_.pop_front();
    if (a.handshake) {
      if (--handshake_left_ == 0 && phase_ == phase::handshake)
        became_up();
    } else if (!a.answered) {
      call(a.cb, {});
    }
  }

  void refused(const std::string& text) {
    if (acks_.empty())
      return lose(errc::protocol_error, "Redis sent an error nobody asked "
                                        "for: " +
                                            text);
    auto a = std::move(acks_.front());
    acks_.pop_front();
    if (a.handshake)
      return lose(errc::refused, "resubscribing failed: " + text);
    if (!a.answered)
      call(a.cb, errc::refused);
  }

  // -- deadlines and keep-alive ---------------------------------------------

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
    std::vector<done> late;
    bool dead = false;
    auto next = clock::time_point::max();
    for (auto& a : acks_) {
      if (a.answered)
        continue;
      if (a.deadline > now) {
        next = std::min(next, a.deadline);
        continue;
      }
      a.answered = true;
      late.push_back(std::move(a.cb));
      if (!link_ || link_->last_read() < a.sent_at)
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
      call(cb, errc::timeout);
    if (dead)
      lose(errc::timeout,
           "no answer within " + std::to_string(opts_.timeout.count()) + " ms");
  }

  /// Every `ping_interval`: a connection that heard nothing for that long
  /// and waits for nothing PINGs, and the PING's deadline tells whether it
  /// is still alive.
  void keep_alive() {
    ping_timer_.expires_after(opts_.ping_interval);
    ping_timer_.async_wait(
        [weak = weak_from_this()](boost::system::error_code ec) {
          auto self = weak.lock();
          if (ec || !self || self->phase_ == phase::closed)
            return;
          auto now = clock::now();
          if (self->phase_ == phase::up && self->acks_.empty() &&
              now - self->link_->last_read() >= self->opts_.ping_interval) {
            auto deadline = now + self->opts_.timeout;
            self->send(change::ping, {}, deadline, false, {});
            self->arm(deadline);
          }
          self->keep_alive();
        });
  }

  asio::io_context& ioc_;
  options opts_;
  handlers handlers_;
  backoff backoff_;
  std::shared_ptr<link> link_;
  phase phase_ = phase::waiting;
  reported reported_ = reported::nothing;
  bool known_down_ = false;
  std::uint64_t failures_ = 0;
  /// What the owner asked for: subscribed again after each reconnect.
  std::set<std::string> channels_;
  std::set<std::string> patterns_;
  std::deque<ack> acks_;
  std::deque<later> queued_;
  std::size_t handshake_left_ = 0;
  clock::time_point attempt_deadline_{};
  asio::steady_timer deadline_timer_;
  clock::time_point timer_at_ = clock::time_point::max();
  asio::steady_timer retry_timer_;
  asio::steady_timer ping_timer_;
};

subscriber::subscriber(asio::io_context& ioc, options opts, handlers h)
    : impl_{std::make_shared<impl>(ioc, std::move(opts), std::move(h))} {
  impl_->start();
}

subscriber::~subscriber() {
  impl_->close();
}

void subscriber::subscribe(std::string channel, done cb) {
  impl_->ask(change::subscribe, std::move(channel), std::move(cb));
}

void subscriber::unsubscribe(std::string channel, done cb) {
  impl_->ask(change::unsubscribe, std::move(channel), std::move(cb));
}

void subscriber::psubscribe(std::string pattern, done cb) {
  impl_->ask(change::psubscribe, std::move(pattern), std::move(cb));
}

void subscriber::punsubscribe(std::string pattern, done cb) {
  impl_->ask(change::punsubscribe, std::move(pattern), std::move(cb));
}

void subscriber::close() {
  impl_->close();
}

bool subscriber::up() const {
  return impl_->up();
}

std::uint64_t subscriber::failures() const {
  return impl_->failures();
}

} // namespace jobcast::redis
