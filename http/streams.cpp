#include "http/streams.hpp"

#include "http/api.hpp"
#include "http/sse_framing.hpp"
#include "http/text_framing.hpp"
#include "http/ws_framing.hpp"

#include <boost/beast/websocket/rfc6455.hpp>

namespace jobcast::streams {

namespace {

// Built before the first request (they are static), each taking its slot
// in every event's encoding cache.
const text_framing text_format;
const sse_framing sse_format;
const ws_framing ws_format;

} // namespace

void text(const exchange_ptr& ex) {
  ex->stream(ex->match().job, {}, text_format);
}

void sse(const exchange_ptr& ex) {
  // An unreadable resume point is not refused: the job answers it with a
  // reset and the whole history, which a reconnecting EventSource can use.
  ex->stream(ex->match().job,
             resume_position(ex->header("Last-Event-ID"), ex->match().query),
             sse_format);
}

void websocket(const exchange_ptr& ex) {
  if (!boost::beast::websocket::is_upgrade(ex->req()))
    return ex->respond(upgrade_required(ex->facts(), "websocket"));
  ex->websocket(ex->match().job, resume_position({}, ex->match().query),
                ws_format);
}

const std::vector<const framing*>& framings() {
  static const std::vector<const framing*> all{&text_format, &sse_format,
                                               &ws_format};
  return all;
}

} // namespace jobcast::streams
