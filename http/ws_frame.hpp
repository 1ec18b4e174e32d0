#pragma once

// WebSocket framing (RFC 6455) for a server that sends unmasked frames and
// reads masked client frames, without extensions. Beast answers the
// handshake; after it, connections frame their own bytes, so that an
// event's frame is built once and the same bytes go to every viewer.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jobcast {

enum class ws_opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// Close codes jobcast sends.
namespace ws_close {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t too_big = 1009;
inline constexpr std::uint16_t internal_error = 1011;
/// jobcast's own (4000-4999 are for applications): the access token the
/// stream was opened with has expired; come back with a fresh one.
inline constexpr std::uint16_t token_expired = 4001;
} // namespace ws_close

/// One complete, unmasked server frame (FIN set).
std::string ws_frame(ws_opcode op, std::string_view payload);

/// Whether a close frame may carry `code` (RFC 6455 7.4).
bool is_sendable_close_code(std::uint16_t code);

/// A close frame with `code` and `reason` (cut to fit a control frame).
std::string ws_close_frame(std::uint16_t code, std::string_view reason);

/// What a client said: a whole message, a control frame, or a violation.
struct ws_input {
  enum kind_t { text, binary, ping, pong, close, error } kind;
  /// Message or control payload; for `close`, the reason.
  std::string payload;
  /// For `close`: the client's code (0 if none, else a valid one); for
  /// `error`: the code to
  /// close with.
  std::uint16_t code = 0;
};

/// Reads client frames from a byte stream, any split: reassembles
/// fragmented messages, unmasks, and checks what RFC 6455 requires of a
/// client (masking, control frame rules, no reserved bits or opcodes,
/// UTF-8 text). After an `error` it reads nothing more.
class ws_reader {
public:
  explicit ws_reader(std::size_t max_message)
      : max_message_(max_message) {}

  /// Consumes bytes from `data` and returns the next complete input, or
  /// nullopt once `data` holds no complete frame (the rest stays for the
  /// next call); `used` says how many bytes were consumed.
  std::optional<ws_input> next(std::string_view data, std::size_t& used);

private:
  std::optional<ws_input> fail(std::uint16_t code, std::string reason);

  std::size_t max_message_;
  std::string message_;
  std::optional<ws_opcode> fragmented_; ///< Opcode of a message in parts.
  bool failed_ = false;
};

} // namespace jobcast
