#include "http/ws_framing.hpp"

#include "http/errors.hpp"
#include "http/json.hpp"
#include "http/ws_frame.hpp"

namespace jobcast {

std::string ws_framing::render(const event& x) const {
  return ws_frame(ws_opcode::text, event_json(x));
}

std::string ws_framing::farewell(stream_close why) const {
  auto code = ws_close::internal_error;
  switch (why) {
  case stream_close::finished:
    code = ws_close::normal;
    break;
  case stream_close::shutting_down:
    code = ws_close::going_away;
    break;
  case stream_close::too_slow:
    code = ws_close::policy_violation;
    break;
  case stream_close::token_expired:
    code = ws_close::token_expired;
    break;
  case stream_close::job_lost:
  case stream_close::unknown_job:
  case stream_close::overloaded:
    break;
  }
  return ws_close_frame(code, describe(why).detail);
}

const std::string* ws_framing::heartbeat() const {
  static const std::string ping = ws_frame(ws_opcode::ping, {});
  return &ping;
}

} // namespace jobcast
