#pragma once

// Byte-stream helpers for subscribers: the marker scanner and a minimal
// WebSocket frame reader. Both keep their state between reads, so a marker
// or a frame header split across reads is handled.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

/// Finds markers `B:<seq>:<send_ns>;` in a byte stream. Transport-agnostic:
/// it reads raw chunked bodies, SSE (inside the JSON data) and WebSocket
/// payloads alike, and tolerates a marker split across reads.
class marker_scanner {
public:
  template <class Emit>
  void feed(const char* data, std::size_t size, Emit&& emit) {
    for (std::size_t i = 0; i < size; ++i) {
      char c = data[i];
      bool digit = c >= '0' && c <= '9';
      switch (state_) {
      case 0:
        break;
      case 1: // after 'B'
        if (c == ':') {
          state_ = 2;
          continue;
        }
        break;
      case 2: // first digit of seq
        if (digit) {
          seq_ = static_cast<std::uint64_t>(c - '0');
          digits_ = 1;
          state_ = 3;
          continue;
        }
        break;
      case 3: // seq
        if (digit && digits_ < 19) {
          seq_ = seq_ * 10 + static_cast<std::uint64_t>(c - '0');
          ++digits_;
          continue;
        }
        if (c == ':') {
          state_ = 4;
          continue;
        }
        break;
      case 4: // first digit of send_ns
        if (digit) {
          ns_ = static_cast<std::uint64_t>(c - '0');
          digits_ = 1;
          state_ = 5;
          continue;
        }
        break;
      case 5: // send_ns
        if (digit && digits_ < 19) {
          ns_ = ns_ * 10 + static_cast<std::uint64_t>(c - '0');
          ++digits_;
          continue;
        }
        if (c == ';') {
          emit(seq_, static_cast<std::int64_t>(ns_));
          state_ = 0;
          continue;
        }
        break;
      }
      // No match in the current state: start over at this byte.
      state_ = c == 'B' ? 1 : 0;
    }
  }

private:
  int state_ = 0;
  int digits_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t ns_ = 0;
};

/// Counts the occurrences of a fixed text in a byte stream (the idle
/// scenario's heartbeat comment), one split across reads included.
class text_counter {
public:
  explicit text_counter(std::string needle)
      : needle_(std::move(needle))
      , border_(needle_.size(), 0) {
    // Knuth-Morris-Pratt: border_[i] is the longest proper prefix of
    // needle_[0..i] that is also its suffix.
    for (std::size_t i = 1, k = 0; i < needle_.size(); ++i) {
      while (k > 0 && needle_[i] != needle_[k])
        k = border_[k - 1];
      if (needle_[i] == needle_[k])
        ++k;
      border_[i] = k;
    }
  }

  void feed(const char* data, std::size_t size) {
    if (needle_.empty())
      return;
    for (std::size_t i = 0; i < size; ++i) {
      while (matched_ > 0 && data[i] != needle_[matched_])
        matched_ = border_[matched_ - 1];
      if (data[i] == needle_[matched_])
        ++matched_;
      if (matched_ == needle_.size()) {
        ++count;
        matched_ = border_[matched_ - 1];
      }
    }
  }

  std::size_t count = 0;

private:
  std::string needle_;
  std::vector<std::size_t> border_;
  std::size_t matched_ = 0;
};

/// Reads server-to-client WebSocket frames (RFC 6455): hands data payload
/// bytes (text, binary, continuation) to `on_data` as they come and whole
/// control frames to `on_control(opcode, payload)`.
class ws_reader {
public:
  template <class OnData, class OnControl>
  void feed(const char* data, std::size_t size, OnData&& on_data,
            OnControl&& on_control) {
    std::size_t i = 0;
    while (i < size) {
      auto byte = static_cast<std::uint8_t>(data[i]);
      switch (state_) {
      case 0:
        opcode_ = byte & 0x0f;
        ++i;
        state_ = 1;
        break;
      case 1:
        masked_ = (byte & 0x80) != 0;
        len_ = byte & 0x7f;
        ++i;
        if (len_ == 126 || len_ == 127) {
          ext_need_ = len_ == 126 ? 2 : 8;
          ext_got_ = 0;
          len_ = 0;
          state_ = 2;
        } else {
          after_length(on_control);
        }
        break;
      case 2:
        len_ = (len_ << 8) | byte;
        ++i;
        if (++ext_got_ == ext_need_)
          after_length(on_control);
        break;
      case 3: // a server must not mask; skip the key if it does
        ++i;
        if (++mask_got_ == 4)
          start_payload(on_control);
        break;
      case 4: {
        auto take = static_cast<std::size_t>(
            std::min<std::uint64_t>(remaining_, size - i));
        if (opcode_ >= 8)
          control_.append(data + i, take);
        else
          on_data(data + i, take);
        i += take;
        remaining_ -= take;
        if (remaining_ == 0)
          end_frame(on_control);
        break;
      }
      }
    }
  }

  /// Frames seen with a mask (a protocol error from a server).
  std::size_t masked_frames = 0;

private:
  template <class OnControl> void after_length(OnControl& on_control) {
    if (masked_) {
      ++masked_frames;
      mask_got_ = 0;
      state_ = 3;
    } else {
      start_payload(on_control);
    }
  }
  template <class OnControl> void start_payload(OnControl& on_control) {
    remaining_ = len_;
    control_.clear();
    if (remaining_ == 0)
      end_frame(on_control);
    else
      state_ = 4;
  }
  template <class OnControl> void end_frame(OnControl& on_control) {
    if (opcode_ >= 8)
      on_control(opcode_, control_);
    state_ = 0;
  }

  int state_ = 0;
  std::uint8_t opcode_ = 0;
  bool masked_ = false;
  std::uint64_t len_ = 0;
  int ext_need_ = 0;
  int ext_got_ = 0;
  int mask_got_ = 0;
  std::uint64_t remaining_ = 0;
  std::string control_;
};

/// A client-to-server frame (masked with a zero key, which RFC 6455 allows)
/// carrying a control payload of at most 125 bytes.
inline std::string ws_client_frame(std::uint8_t opcode,
                                   const std::string& payload) {
  std::string out;
  auto len = std::min<std::size_t>(payload.size(), 125);
  out.push_back(static_cast<char>(0x80 | opcode));
  out.push_back(static_cast<char>(0x80 | len));
  out.append(4, '\0');
  out.append(payload, 0, len);
  return out;
}

} // namespace bench
