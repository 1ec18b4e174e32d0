#include "http/ws_frame.hpp"

#include "actors/utf8.hpp"

namespace jobcast {

namespace {

/// Largest payload of a control frame.
constexpr std::size_t max_control = 125;

bool is_control(std::uint8_t op) {
  return (op & 0x8) != 0;
}

} // namespace

std::string ws_frame(ws_opcode op, std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 10);
  out += static_cast<char>(0x80 | static_cast<std::uint8_t>(op));
  auto n = payload.size();
  if (n < 126) {
    out += static_cast<char>(n);
  } else if (n <= 0xFFFF) {
    out += static_cast<char>(126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xFF);
  } else {
    out += static_cast<char>(127);
    for (int shift = 56; shift >= 0; shift -= 8)
      out += static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xFF);
  }
  out += payload;
  return out;
}

bool is_sendable_close_code(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

std::string ws_close_frame(std::uint16_t code, std::string_view reason) {
  std::string payload;
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xFF);
  payload += reason.substr(0, max_control - 2);
  return ws_frame(ws_opcode::close, payload);
}

std::optional<ws_input> ws_reader::fail(std::uint16_t code,
                                        std::string reason) {
  failed_ = true;
  return ws_input{ws_input::error, std::move(reason), code};
}

std::optional<ws_input> ws_reader::next(std::string_view data,
                                        std::size_t& used) {
  used = 0;
  while (!failed_) {
    auto rest = data.substr(used);
    if (rest.size() < 2)
      return std::nullopt;
    auto b0 = static_cast<std::uint8_t>(rest[0]);
    auto b1 = static_cast<std::uint8_t>(rest[1]);
    bool fin = (b0 & 0x80) != 0;
    std::uint8_t op = b0 & 0x0F;
    if ((b0 & 0x70) != 0)
      return fail(ws_close::protocol_error, "reserved bits set");
    if ((b1 & 0x80) == 0)
      return fail(ws_close::protocol_error, "client frames must be masked");
    std::uint64_t len = b1 & 0x7F;
    std::size_t header = 2;
    if (len == 126 || len == 127) {
      std::size_t extra = len == 126 ? 2 : 8;
      if (rest.size() < header + extra)
        return std::nullopt;
      len = 0;
      for (std::size_t i = 0; i < extra; ++i)
        len = (len << 8) | static_cast<std::uint8_t>(rest[header + i]);
      header += extra;
    }
    if (is_control(op)) {
      if (op > 0xA)
        return fail(ws_close::protocol_error, "unknown opcode");
      if (!fin || len > max_control)
        return fail(ws_close::protocol_error, "malformed control frame");
    } else if (op > 0x2) {
      return fail(ws_close::protocol_error, "unknown opcode");
    } else if (op == 0 && !fragmented_) {
      return fail(ws_close::protocol_error, "continuation of nothing");
    } else if (op != 0 && fragmented_) {
      return fail(ws_close::protocol_error, "message interrupted");
    }
    if (!is_control(op) && message_.size() + len > max_message_)
      return fail(ws_close::too_big, "message too big");
    header += 4; // The mask.
    if (rest.size() < header || rest.size() - header < len)
      return std::nullopt;
    const char* mask = rest.data() + header - 4;
    std::string payload(rest.substr(header, static_cast<std::size_t>(len)));
    for (std::size_t i = 0; i < payload.size(); ++i)
      payload[i] = static_cast<char>(payload[i] ^ mask[i % 4]);
    used += header + static_cast<std::size_t>(len);

    switch (static_cast<ws_opcode>(op)) {
    case ws_opcode::ping:
      return ws_input{ws_input::ping, std::move(payload)};
    case ws_opcode::pong:
      return ws_input{ws_input::pong, std::move(payload)};
    case ws_opcode::close: {
      if (payload.size() == 1)
        return fail(ws_close::protocol_error, "malformed close frame");
      std::uint16_t code = 0;
      if (payload.size() >= 2)
        code = static_cast<std::uint16_t>(
            (static_cast<std::uint8_t>(payload[0]) << 8) |
            static_cast<std::uint8_t>(payload[1]));
      // A code a peer may not send (0, 1004-1006, 1015, unassigned ranges)
      // fails the connection (RFC 6455 7.4.1; Autobahn case 7.9.x).
      if (payload.size() >= 2 && !is_sendable_close_code(code))
        return fail(ws_close::protocol_error, "invalid close code");
      auto reason = payload.size() > 2 ? payload.substr(2) : std::string{};
      if (!is_valid_utf8(reason))
        return fail(ws_close::invalid_payload, "close reason is not UTF-8");
      return ws_input{ws_input::close, std::move(reason), code};
    }
    default:
      break;
    }
    if (op != 0)
      fragmented_ = static_cast<ws_opcode>(op);
    message_ += payload;
    if (!fin)
      continue;
    auto kind =
        *fragmented_ == ws_opcode::text ? ws_input::text : ws_input::binary;
    fragmented_.reset();
    std::string message;
    message.swap(message_);
    if (kind == ws_input::text && !is_valid_utf8(message))
      return fail(ws_close::invalid_payload, "text is not UTF-8");
    return ws_input{kind, std::move(message)};
  }
  return std::nullopt;
}

} // namespace jobcast
