// The Redis client's wire layer without a server: commands formatted by
// hiredis, replies parsed by hiredis's reader into plain values.

#include "redis/command.hpp"
#include "redis/reply.hpp"
#include "redis/reply_reader.hpp"

#include <gtest/gtest.h>

using namespace jobcast::redis;
using namespace std::string_literals;

namespace {

std::vector<reply> read_all(reply_reader& reader, std::string_view bytes) {
  reader.feed(bytes.data(), bytes.size());
  std::vector<reply> out;
  while (auto r = reader.next())
    out.push_back(std::move(*r));
  return out;
}

} // namespace

TEST(redis_command, formats_resp_arrays_of_bulk_strings) {
  EXPECT_EQ(format_command({"SET", "k", "v"}),
            "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
  EXPECT_EQ(format_command({"GET", ""}), "*2\r\n$3\r\nGET\r\n$0\r\n\r\n");
}

TEST(redis_command, arguments_are_binary_safe) {
  auto value = "a\0b\r\n\xff"s;
  EXPECT_EQ(format_command({"SET", "k", value}),
            "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\n" + value + "\r\n");
}

TEST(redis_command, appends_pipelined_commands) {
  std::string out;
  append_command(out, {"PING"});
  append_command(out, {"PING"});
  EXPECT_EQ(out, "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n");
}

TEST(redis_reader, reads_every_kind_of_reply) {
  reply_reader reader;
  auto replies = read_all(reader, "+OK\r\n"
                                  "-ERR wrong\r\n"
                                  ":-42\r\n"
                                  "$5\r\nhello\r\n"
                                  "$-1\r\n"
                                  "*-1\r\n"
                                  "*0\r\n"
                                  "*3\r\n:1\r\n*1\r\n$1\r\nx\r\n$-1\r\n");
  ASSERT_EQ(replies.size(), 8u);
  EXPECT_EQ(replies[0], reply::make_status("OK"));
  EXPECT_EQ(replies[1], reply::make_error("ERR wrong"));
  EXPECT_EQ(replies[2], reply::make_integer(-42));
  EXPECT_EQ(replies[3], reply::make_string("hello"));
  EXPECT_TRUE(replies[4].is_nil());
  EXPECT_TRUE(replies[5].is_nil());
  EXPECT_EQ(replies[6], reply::make_array({}));
  EXPECT_EQ(replies[7],
            reply::make_array({reply::make_integer(1),
                               reply::make_array({reply::make_string("x")}),
                               reply{}}));
  EXPECT_FALSE(reader.failed());
}

TEST(redis_reader, bulk_strings_are_binary_safe) {
  reply_reader reader;
  auto replies = read_all(reader, "$6\r\na\0b\r\n\xff\r\n"s);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].text, "a\0b\r\n\xff"s);
}

TEST(redis_reader, waits_for_the_last_byte_of_a_reply) {
  reply_reader reader;
  std::string bytes = "*2\r\n$5\r\nhello\r\n:7\r\n+OK\r\n";
  std::vector<reply> replies;
  // One byte at a time, as a slow socket might hand them over.
  for (char c : bytes)
    for (auto& r : read_all(reader, std::string_view{&c, 1}))
      replies.push_back(std::move(r));
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0], reply::make_array({reply::make_string("hello"),
                                           reply::make_integer(7)}));
  EXPECT_EQ(replies[1], reply::make_status("OK"));
}

TEST(redis_reader, bytes_that_are_not_resp_fail_the_reader) {
  reply_reader reader;
  auto replies = read_all(reader, "+OK\r\n?what\r\n+OK\r\n");
  EXPECT_EQ(replies.size(), 1u);
  EXPECT_TRUE(reader.failed());
  EXPECT_FALSE(reader.error().empty());
  // And stays failed.
  EXPECT_TRUE(read_all(reader, "+OK\r\n").empty());
}

TEST(redis_reply, names_error_codes) {
  auto r = reply::make_error("NOSCRIPT No matching script");
  EXPECT_TRUE(r.is_error("NOSCRIPT"));
  EXPECT_FALSE(r.is_error("NOSCRIPTS"));
  EXPECT_FALSE(r.is_error("ERR"));
  EXPECT_TRUE(reply::make_error("ERR").is_error("ERR"));
  // The code is the whole first word.
  EXPECT_FALSE(reply::make_error("ERRORS here").is_error("ERR"));
  EXPECT_FALSE(reply::make_status("NOSCRIPT").is_error("NOSCRIPT"));
}

TEST(redis_reply, renders_for_messages) {
  EXPECT_EQ(to_string(reply{}), "nil");
  EXPECT_EQ(to_string(reply::make_integer(3)), "(integer) 3");
  EXPECT_EQ(to_string(reply::make_string("a\"\n")), "\"a\\\"\\x0a\"");
  EXPECT_EQ(to_string(reply::make_array(
                {reply::make_status("OK"), reply::make_error("ERR x")})),
            "[+OK, -ERR x]");
}
