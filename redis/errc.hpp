#pragma once

// Why a Redis request got no answer. A refusal by Redis itself (an error
// reply such as WRONGTYPE) is not one of these: it arrives as a reply of kind
// `error`, so callers can tell "Redis said no" from "Redis said nothing".

#include <system_error>

namespace jobcast::redis {

enum class errc {
  /// No answer within the timeout; the command may still run later.
  timeout = 1,
  /// The connection broke with the request in flight or queued; a command
  /// already written may or may not have run.
  connection_lost,
  /// Redis is known to be unreachable (the last attempt failed): the
  /// request was not sent.
  not_connected,
  /// The client was closed (or destroyed) first: the request was not sent.
  closed,
  /// Redis sent bytes that are not RESP; the connection was dropped.
  protocol_error,
  /// A command needs at least its name.
  empty_command,
  /// Redis answered a subscription change with an error.
  refused,
};

const std::error_category& category();

std::error_code make_error_code(errc code);

} // namespace jobcast::redis

namespace std {
template <> struct is_error_code_enum<jobcast::redis::errc> : true_type {};
} // namespace std
