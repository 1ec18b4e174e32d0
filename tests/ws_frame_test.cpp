#include "http/ws_frame.hpp"

#include <gtest/gtest.h>

using namespace jobcast;

namespace {

/// A client frame: masked with a fixed key.
std::string client_frame(std::uint8_t first, std::string_view payload,
                         bool masked = true) {
  std::string out;
  out += static_cast<char>(first);
  auto n = payload.size();
  auto mask_bit = masked ? 0x80 : 0x00;
  if (n < 126) {
    out += static_cast<char>(mask_bit | n);
  } else if (n <= 0xFFFF) {
    out += static_cast<char>(mask_bit | 126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xFF);
  } else {
    out += static_cast<char>(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8)
      out += static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xFF);
  }
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  if (masked)
    out.append(key, 4);
  for (std::size_t i = 0; i < n; ++i)
    out += masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i];
  return out;
}

/// Every input `bytes` yields, fed in pieces of `step` bytes.
std::vector<ws_input> read_all(std::string_view bytes, std::size_t step,
                               std::size_t max = 1024) {
  ws_reader reader{max};
  std::vector<ws_input> result;
  std::string buffer;
  for (std::size_t pos = 0; pos < bytes.size(); pos += step) {
    buffer += bytes.substr(pos, step);
    for (;;) {
      std::size_t used = 0;
      auto in = reader.next(buffer, used);
      buffer.erase(0, used);
      if (!in)
        break;
      result.push_back(*in);
    }
  }
  return result;
}

} // namespace

TEST(ws_frame, builds_unmasked_server_frames_of_every_length_form) {
  EXPECT_EQ(ws_frame(ws_opcode::text, "hi"), std::string("\x81\x02hi", 4));
  auto mid = ws_frame(ws_opcode::text, std::string(300, 'x'));
  ASSERT_EQ(mid.size(), 304u);
  EXPECT_EQ(mid.substr(0, 4), std::string("\x81\x7e\x01\x2c", 4));
  auto big = ws_frame(ws_opcode::binary, std::string(70000, 'x'));
  ASSERT_EQ(big.size(), 70010u);
  EXPECT_EQ(big.substr(0, 10),
            std::string("\x82\x7f\x00\x00\x00\x00\x00\x01\x11\x70", 10));
  EXPECT_EQ(ws_frame(ws_opcode::ping, ""), std::string("\x89\x00", 2));
}

TEST(ws_frame, close_frames_carry_code_and_a_reason_that_fits) {
  EXPECT_EQ(ws_close_frame(1000, "bye"), std::string("\x88\x05\x03\xe8"
                                                     "bye",
                                                     7));
  auto long_reason = ws_close_frame(1008, std::string(500, 'r'));
  EXPECT_EQ(long_reason.size(), 2u + 125u);
}

TEST(ws_reader, reads_masked_frames_split_anywhere) {
  auto bytes = client_frame(0x81, "{\"a\":1}") + client_frame(0x89, "p1") +
               client_frame(0x82, std::string(200, 'b')) +
               client_frame(0x8A, "") + client_frame(0x88, "\x03\xe8ok");
  for (std::size_t step : {1u, 2u, 3u, 7u, 1000u}) {
    auto in = read_all(bytes, step);
    ASSERT_EQ(in.size(), 5u) << step;
    EXPECT_EQ(in[0].kind, ws_input::text);
    EXPECT_EQ(in[0].payload, "{\"a\":1}");
    EXPECT_EQ(in[1].kind, ws_input::ping);
    EXPECT_EQ(in[1].payload, "p1");
    EXPECT_EQ(in[2].kind, ws_input::binary);
    EXPECT_EQ(in[2].payload, std::string(200, 'b'));
    EXPECT_EQ(in[3].kind, ws_input::pong);
    EXPECT_EQ(in[4].kind, ws_input::close);
    EXPECT_EQ(in[4].code, 1000);
    EXPECT_EQ(in[4].payload, "ok");
  }
}

TEST(ws_reader, reassembles_fragments_with_control_frames_between) {
  auto bytes = client_frame(0x01, "he") + client_frame(0x89, "x") +
               client_frame(0x00, "ll") + client_frame(0x80, "o");
  auto in = read_all(bytes, 1);
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[0].kind, ws_input::ping);
  EXPECT_EQ(in[1].kind, ws_input::text);
  EXPECT_EQ(in[1].payload, "hello");
}

TEST(ws_reader, rejects_what_a_client_may_not_send) {
  struct bad_case {
    std::string bytes;
    std::uint16_t code;
  };
  std::vector<bad_case> cases = {
      {client_frame(0x81, "x", false), ws_close::protocol_error},
      {client_frame(0xC1, "x"), ws_close::protocol_error}, // RSV1
      {client_frame(0x83, "x"), ws_close::protocol_error}, // opcode 3
      {client_frame(0x8B, "x"), ws_close::protocol_error}, // opcode 0xB
      {client_frame(0x80, "x"), ws_close::protocol_error}, // stray continuation
      {client_frame(0x09, "x"), ws_close::protocol_error}, // fragmented ping
      {client_frame(0x89, std::string(126, 'p')), ws_close::protocol_error},
      {client_frame(0x01, "a") + client_frame(0x81, "b"),
       ws_close::protocol_error},                             // interrupted
      {client_frame(0x88, "\x03"), ws_close::protocol_error}, // 1-byte close
      // Close codes a peer may not send (Autobahn 7.9.x).
      {client_frame(0x88, std::string("\x00\x00", 2)),
       ws_close::protocol_error},
      {client_frame(0x88, "\x03\xe7"), ws_close::protocol_error}, // 999
      {client_frame(0x88, "\x03\xec"), ws_close::protocol_error}, // 1004
      {client_frame(0x88, "\x03\xed"), ws_close::protocol_error}, // 1005
      {client_frame(0x88, "\x03\xee"), ws_close::protocol_error}, // 1006
      {client_frame(0x88, "\x03\xf7"), ws_close::protocol_error}, // 1015
      {client_frame(0x88, "\x07\xd0"), ws_close::protocol_error}, // 2000
      {client_frame(0x88, "\x13\x88"), ws_close::protocol_error}, // 5000
      {client_frame(0x81, "\xff\xfe"), ws_close::invalid_payload},
      {client_frame(0x88, "\x03\xe8\xff"), ws_close::invalid_payload},
      {client_frame(0x81, std::string(1025, 'x')), ws_close::too_big},
      {client_frame(0x01, std::string(600, 'x')) +
           client_frame(0x80, std::string(600, 'x')),
       ws_close::too_big},
  };
  for (const auto& c : cases) {
    auto in = read_all(c.bytes, 1);
    ASSERT_FALSE(in.empty());
    EXPECT_EQ(in.back().kind, ws_input::error);
    EXPECT_EQ(in.back().code, c.code);
  }
}

TEST(ws_reader, reads_nothing_after_an_error) {
  ws_reader reader{1024};
  auto bytes = client_frame(0x81, "x", false) + client_frame(0x81, "y");
  std::size_t used = 0;
  auto first = reader.next(bytes, used);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->kind, ws_input::error);
  EXPECT_FALSE(reader.next(bytes.substr(used), used));
}

TEST(ws_reader, rejects_a_huge_length_before_its_payload_arrives) {
  ws_reader reader{1024};
  std::string header = "\x81\xff\x7f\xff\xff\xff\xff\xff\xff\xff";
  std::size_t used = 0;
  auto in = reader.next(header, used);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->code, ws_close::too_big);
}
