// A text/plain body sent chunked to POST /api/jobs/<id>/events is a live
// log: each complete line is published the moment it arrives (issue 14.1).

#include "support/api.hpp"
#include "support/raw_client.hpp"
#include "support/server_test.hpp"

#include <boost/json.hpp>
#include <sstream>
#include <thread>

using namespace jobcast::test;
using namespace std::chrono_literals;

namespace {

/// The sanitizers slow everything several times over: the 200 ms the issue
/// asks for is checked in the plain build only.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool timed = false;
#else
constexpr bool timed = true;
#endif

class publish_stream : public server_test {
protected:
  /// Starts an external job; sets `id_` and `token_`.
  void start_external() {
    auto reply = api_start(port(), R"({"kind":"external"})");
    id_ = id_of(reply);
    token_ = token_of(reply);
  }

  /// The request header of a chunked text/plain publish with `token`.
  std::string head(const std::string& token) const {
    return "POST /api/jobs/" + id_ +
           "/events HTTP/1.1\r\nHost: localhost\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n"
           "Authorization: Bearer " +
           token + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  }

  static std::string chunk(const std::string& data) {
    std::ostringstream out;
    out << std::hex << data.size() << "\r\n" << data << "\r\n";
    return out.str();
  }

  static std::string last_chunk() { return "0\r\n\r\n"; }

  /// The body of the answer in `raw` (a whole HTTP response).
  static boost::json::object answer_body(const std::string& raw) {
    auto at = raw.find("\r\n\r\n");
    return parse_object(at == std::string::npos ? "" : raw.substr(at + 4));
  }

  /// The next line of a text stream, without its newline.
  static std::string next_line(stream& s, std::chrono::milliseconds timeout) {
    auto line = s.next_chunk(timeout).value_or("<end>");
    if (!line.empty() && line.back() == '\n')
      line.pop_back();
    return line;
  }

  std::string id_;
  std::string token_;
};

} // namespace

TEST_F(publish_stream, each_line_reaches_viewers_while_the_body_goes_on) {
  start();
  start_external();
  stream viewer{port(), "/view-progress/" + id_};
  ASSERT_EQ(viewer.status(), 200u);
  raw_client publisher{port()};
  publisher.send(head(token_));
  // A producer writing a line a second, as `make | curl -T -` would; a line
  // split across chunks is published once it is whole.
  for (int i = 1; i <= 3; ++i) {
    auto line = "line " + std::to_string(i);
    publisher.send(chunk(line.substr(0, 3)));
    publisher.send(chunk(line.substr(3) + "\n"));
    auto sent = clock_type::now();
    // The body is still open: only a line-by-line publish gets it here.
    EXPECT_EQ(next_line(viewer, 3s), line);
    auto latency = clock_type::now() - sent;
    if (timed) {
      EXPECT_LT(latency, 200ms);
    }
    std::this_thread::sleep_for(1s - latency);
  }
  // An unfinished last line is published when the body ends.
  publisher.send(chunk("no newline"));
  publisher.send(last_chunk());
  EXPECT_EQ(next_line(viewer, 3s), "no newline");
  auto raw = publisher.read_until("}", 3s);
  ASSERT_EQ(raw.rfind("HTTP/1.1 202 Accepted\r\n", 0), 0u) << raw;
  auto body = answer_body(raw);
  EXPECT_EQ(body.at("events").as_int64(), 4);
  EXPECT_EQ(body.at("last").as_int64() - body.at("first").as_int64(), 3);
}

TEST_F(publish_stream, lines_are_cut_and_repaired_as_command_output_is) {
  start({"--limits.max-event-bytes=100"});
  start_external();
  raw_client publisher{port()};
  publisher.send(head(token_));
  // A whole body may not hold such lines; a live log has no say in what the
  // command prints, so it is taken as a declared command's output is.
  publisher.send(chunk("ok\r\n\xff\xfe\n" + std::string(250, 'x') + "\n"));
  publisher.send(last_chunk());
  auto raw = publisher.read_until("}", 5s);
  ASSERT_EQ(raw.rfind("HTTP/1.1 202 Accepted\r\n", 0), 0u) << raw;
  EXPECT_EQ(answer_body(raw).at("events").as_int64(), 5);
  stream viewer{port(), "/view-progress/" + id_};
  EXPECT_EQ(next_line(viewer, 3s), "ok");
  EXPECT_EQ(next_line(viewer, 3s), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(next_line(viewer, 3s), std::string(100, 'x'));
  EXPECT_EQ(next_line(viewer, 3s), std::string(100, 'x'));
  EXPECT_EQ(next_line(viewer, 3s), std::string(50, 'x'));
}

TEST_F(publish_stream, a_body_past_the_size_limit_is_taken_whole) {
  start({"--limits.max-body-bytes=1024"});
  start_external();
  raw_client publisher{port()};
  publisher.send(head(token_));
  std::string line(99, 'y');
  for (int i = 0; i < 100; ++i) // 10 KB in all, ten times the body limit.
    publisher.send(chunk(line + "\n"));
  publisher.send(last_chunk());
  auto raw = publisher.read_until("}", 5s);
  ASSERT_EQ(raw.rfind("HTTP/1.1 202 Accepted\r\n", 0), 0u) << raw;
  EXPECT_EQ(answer_body(raw).at("events").as_int64(), 100);
}

TEST_F(publish_stream, a_wrong_token_or_an_ended_job_is_told_before_the_body) {
  start();
  start_external();
  {
    raw_client publisher{port()};
    publisher.send(head("wrong"));
    auto raw = publisher.read_until("\r\n\r\n", 3s);
    EXPECT_EQ(raw.rfind("HTTP/1.1 403 Forbidden\r\n", 0), 0u) << raw;
  }
  // Ended while a publisher streams: what it sent before stays, the rest is
  // refused with the reason, and the connection ends.
  raw_client publisher{port()};
  publisher.send(head(token_));
  publisher.send(chunk("before\n"));
  stream viewer{port(), "/view-progress/" + id_};
  EXPECT_EQ(next_line(viewer, 3s), "before");
  auto finished = request(port(), "POST", "/api/jobs/" + id_ + "/finish",
                          {{"Authorization", "Bearer " + token_}}, "{}");
  EXPECT_EQ(finished.status, 200u);
  publisher.send(chunk("after\n"));
  auto raw = publisher.read_until("", 3s);
  EXPECT_EQ(raw.rfind("HTTP/1.1 409 Conflict\r\n", 0), 0u) << raw;
  auto info = parse_object(request(port(), "GET", "/api/jobs/" + id_).body);
  EXPECT_EQ(info.at("state").as_string(), "succeeded");
}
