// Fuzzes ws_reader, the parser of WebSocket frames from clients.
//
// Input: one byte choosing how the rest is split into reads, then the bytes
// a client sent after the handshake. The reader must find the same inputs
// however the bytes are split, never consume more than it was given, read
// nothing after an error, and only hand out what RFC 6455 allows.

#include "common.hpp"
#include "http/ws_frame.hpp"

#include <vector>

using namespace jobcast;
using namespace jobcast::fuzz;

namespace {

constexpr std::size_t max_message = 1024;

std::vector<ws_input> read_all(std::string_view bytes, std::size_t step) {
  ws_reader reader{max_message};
  std::vector<ws_input> result;
  std::string buffer;
  bool failed = false;
  for (std::size_t pos = 0; pos < bytes.size(); pos += step) {
    buffer += bytes.substr(pos, step);
    for (;;) {
      std::size_t used = 0;
      auto in = reader.next(buffer, used);
      FUZZ_CHECK(used <= buffer.size());
      buffer.erase(0, used);
      if (!in)
        break;
      FUZZ_CHECK(!failed); // Nothing after an error.
      if (in->kind == ws_input::error)
        failed = true;
      result.push_back(std::move(*in));
    }
  }
  return result;
}

bool same(const ws_input& a, const ws_input& b) {
  return a.kind == b.kind && a.payload == b.payload && a.code == b.code;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  std::size_t step = 1 + data[0] % 16;
  std::string_view bytes{reinterpret_cast<const char*>(data + 1), size - 1};
  auto whole = read_all(bytes, bytes.size() + 1);
  auto pieces = read_all(bytes, step);
  FUZZ_CHECK(whole.size() == pieces.size());
  for (std::size_t i = 0; i < whole.size() && i < pieces.size(); ++i)
    FUZZ_CHECK(same(whole[i], pieces[i]));
  for (const auto& in : whole) {
    switch (in.kind) {
    case ws_input::text:
      FUZZ_CHECK(valid_utf8(in.payload));
      FUZZ_CHECK(in.payload.size() <= max_message);
      break;
    case ws_input::binary:
      FUZZ_CHECK(in.payload.size() <= max_message);
      break;
    case ws_input::ping:
    case ws_input::pong:
      FUZZ_CHECK(in.payload.size() <= 125);
      break;
    case ws_input::close:
      FUZZ_CHECK(in.payload.size() <= 123);
      FUZZ_CHECK(valid_utf8(in.payload));
      break;
    case ws_input::error:
      FUZZ_CHECK(in.code == ws_close::protocol_error ||
                 in.code == ws_close::invalid_payload ||
                 in.code == ws_close::too_big);
      break;
    }
  }
  return 0;
}
