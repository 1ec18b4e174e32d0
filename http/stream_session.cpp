#include "http/stream_session.hpp"

#include "http/http_metrics.hpp"
#include "http/session.hpp"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

namespace jobcast {

namespace beast = boost::beast;

stream_session::stream_session(beast::tcp_stream&& stream,
                               beast::flat_buffer&& buffer, http_context& ctx,
                               const framing& framing, stream_request req,
                               client_slots slots)
    : socket_(stream.release_socket())
    , buffer_(std::move(buffer))
    , ctx_(ctx)
    , framing_(framing)
    , req_(req)
    , out_(socket_, ctx.settings.write_timeout)
    , heartbeat_(socket_.get_executor())
    , deadline_(socket_.get_executor())
    , expiry_(socket_.get_executor())
    , slots_(std::move(slots)) {
  framing_.open_streams()++;
  // Writes are tried directly and only wait when the socket is full.
  beast::error_code ignored;
  socket_.non_blocking(true, ignored);
}

stream_session::~stream_session() {
  framing_.open_streams()--;
}

void stream_session::run() {
  boost::asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    self->token_ = self->ctx_.connections.add(self);
    if (self->dead_)
      return;
    self->subscription_ = self->ctx_.actors.subscribe(
        self->req_.job, self->req_.from, self->page_bytes(),
        self->socket_.get_executor(), self);
    // The gateway holds us weakly, and a transport may have no I/O pending
    // until the subscription is answered: hold ourselves until then.
    self->waiting_ = self;
    self->read_client();
  });
}

void stream_session::opened(const job_info& info) {
  auto keep = std::move(waiting_);
  // A refusal may be on its way to a session already (shut down first).
  if (dead_ || accepted_ || finishing_ || handing_over_)
    return;
  accepted_ = true;
  accept(info);
}

void stream_session::closed(stream_close why) {
  auto keep = std::move(waiting_);
  if (dead_ || finishing_)
    return;
  if (!accepted_) {
    // Nothing sent yet: the transport answers like any other request.
    subscription_.cancel();
    return refuse(why);
  }
  finish(framing_.farewell(why), why);
}

void stream_session::shutdown() {
  boost::asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->req_.facts.keep_alive = false;
    self->closed(stream_close::shutting_down);
  });
}

void stream_session::replay(const event_page& events, bool caught_up) {
  if (dead_ || finishing_ || !accepted_)
    return;
  // History is not held to the slow-viewer rule: the next page comes only
  // once this one has left (see write_some), so it never piles up.
  for (auto& ev : *events) {
    push(ev, false);
    if (ev->type() == event_type::end)
      return finish(framing_.farewell(stream_close::finished),
                    stream_close::finished);
  }
  want_page_ = !caught_up;
}

void stream_session::deliver(const event_ptr& ev) {
  if (dead_ || finishing_ || !accepted_)
    return;
  // Written on `flush`, together with the rest of this hand-over.
  push(ev, true); // May end the stream of a slow viewer.
  if (ev->type() == event_type::end && !finishing_)
    finish(framing_.farewell(stream_close::finished), stream_close::finished);
}

void stream_session::flush() {
  write_some();
}

std::uint64_t stream_session::page_bytes() const {
  return std::max<std::uint64_t>(ctx_.settings.subscriber_buffer / 4, 1);
}

void stream_session::push(const event_ptr& ev, bool live) {
  const auto& bytes = framing_.encode(*ev);
  if (bytes.empty())
    return;
  // One event always fits, however large: otherwise a client could never
  // get past it. What is queued still goes out, then the farewell: a
  // stalled viewer costs at most `subscriber_buffer` and a few bytes.
  if (live && out_.bytes() > 0 &&
      out_.bytes() + bytes.size() > ctx_.settings.subscriber_buffer) {
    http_counters().slow_disconnects++;
    return finish(framing_.farewell(stream_close::too_slow),
                  stream_close::too_slow);
  }
  queue(ev, bytes);
}

void stream_session::queue(std::shared_ptr<const void> owner,
                           const std::string& bytes) {
  auto buf = boost::asio::buffer(bytes);
  if (chunked_)
    out_.push_chunk(std::move(owner), buf);
  else
    out_.push(std::move(owner), buf);
}

void stream_session::queue(std::string bytes) {
  if (bytes.empty())
    return;
  auto owner = std::make_shared<const std::string>(std::move(bytes));
  queue(owner, *owner);
}

void stream_session::start() {
  open_ = true;
  schedule_heartbeat();
  schedule_expiry();
  write_some();
  read_client();
}

void stream_session::write_some() {
  if (dead_ || !open_)
    return;
  auto ec = out_.send([self = shared_from_this()](beast::error_code wait_ec) {
    if (wait_ec)
      return self->abort();
    self->write_some();
  });
  if (ec)
    return abort();
  // The connection took most of the last page of history: the next one.
  if (want_page_ && !finishing_ && out_.bytes() <= page_bytes()) {
    want_page_ = false;
    subscription_.more();
  }
  if (out_.empty())
    drained();
}

void stream_session::finish(std::string farewell,
                            std::optional<stream_close> why) {
  if (finishing_ || dead_)
    return;
  finishing_ = true;
  subscription_.cancel();
  heartbeat_.cancel();
  expiry_.cancel();
  ending(std::move(farewell), why);
  write_some();
}

void stream_session::close_within(std::chrono::nanoseconds wait) {
  deadline_.expires_after(wait);
  deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec)
      self->abort();
  });
}

void stream_session::beat() {
  // Skip a beat if the client has not taken the last one yet. The bytes are
  // static: no owner needed.
  if (out_.empty()) {
    queue(nullptr, *framing_.heartbeat());
    write_some();
  }
}

void stream_session::schedule_heartbeat() {
  if (!framing_.heartbeat() || ctx_.settings.heartbeat.count() <= 0 || dead_ ||
      finishing_)
    return;
  heartbeat_.expires_after(ctx_.settings.heartbeat);
  heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->dead_ || self->finishing_)
      return;
    self->beat();
    self->schedule_heartbeat();
  });
}

void stream_session::schedule_expiry() {
  if (!req_.expires || dead_ || finishing_)
    return;
  // The token's time is the wall clock's; the timer runs on the steady
  // clock, so a clock step during the stream moves its end by as much.
  // Capped at ten years: the timer's arithmetic must not overflow.
  auto left = std::min<std::chrono::system_clock::duration>(
      *req_.expires - std::chrono::system_clock::now(),
      std::chrono::hours{24 * 365 * 10});
  expiry_.expires_after(std::max(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(left),
      std::chrono::steady_clock::duration::zero()));
  expiry_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->dead_ || self->finishing_)
      return;
    self->finish(self->framing_.farewell(stream_close::token_expired),
                 stream_close::token_expired);
  });
}

void stream_session::read_client() {
  if (dead_ || reading_ || !wants_client())
    return;
  reading_ = true;
  socket_.async_read_some(
      buffer_.prepare(1024),
      beast::bind_front_handler(&stream_session::on_read, shared_from_this()));
}

void stream_session::on_read(beast::error_code ec, std::size_t n) {
  reading_ = false;
  if (dead_)
    return;
  if (!ec)
    buffer_.commit(n); // Kept for the session that may follow.
  if (handing_over_)
    return hand_over({});
  if (ec) {
    out_.note_error(ec);
    return abort(); // The client went away.
  }
  client_data();
  read_client();
}

void stream_session::hand_over(std::optional<message_generator> answer) {
  if (dead_)
    return;
  if (answer)
    answer_ = std::move(answer);
  handing_over_ = true;
  // No read of ours may be pending on the socket we hand over.
  if (reading_) {
    socket_.cancel();
    return; // on_read comes back here.
  }
  let_go();
  beast::error_code ignored;
  socket_.non_blocking(false, ignored);
  auto next = std::make_shared<session>(beast::tcp_stream{std::move(socket_)},
                                        std::move(buffer_), ctx_,
                                        std::move(slots_.connection));
  if (answer_)
    next->run_after(std::move(*answer_));
  else
    next->run();
}

void stream_session::abort() {
  if (dead_)
    return;
  let_go();
  beast::error_code ignored;
  socket_.close(ignored);
  slots_.connection = {};
}

void stream_session::let_go() {
  dead_ = true;
  waiting_.reset();
  subscription_.cancel();
  heartbeat_.cancel();
  deadline_.cancel();
  expiry_.cancel();
  // The stream is over, whatever the connection does next.
  slots_.stream = {};
}

} // namespace jobcast
