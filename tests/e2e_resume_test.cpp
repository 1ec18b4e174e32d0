// Resuming a stream end to end: event ids that name the job's instance, and
// resume points the job cannot place, which get a `reset` and the whole
// history instead of a hang or a silent skip.

#include "support/api.hpp"
#include "support/server_test.hpp"

#include <boost/json.hpp>

using namespace jobcast::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

using resume = server_test;

/// The SSE events of `/jobs/<id>/events` resumed from `last_event_id`.
std::vector<sse_event> events_from(std::uint16_t port, const std::string& id,
                                   const std::string& last_event_id) {
  stream s{port, "/jobs/" + id + "/events", {{"Last-Event-ID", last_event_id}}};
  EXPECT_EQ(s.status(), 200u);
  return sse_reader{s}.rest();
}

/// Waits until the job is over; returns all of its events.
std::vector<sse_event> all_events(std::uint16_t port, const std::string& id) {
  stream s{port, "/jobs/" + id + "/events"};
  return sse_reader{s}.rest();
}

/// A reset, then every event of the demo job from the first to its end.
void expect_reset_and_full_replay(const std::vector<sse_event>& events) {
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].type, "reset");
  EXPECT_EQ(events[0].seq(), 0u);
  auto reset = parse_object(events[0].data);
  EXPECT_EQ(reset.at("type").as_string(), "reset");
  EXPECT_NE(reset.at("text").as_string().find("replaying from the start"),
            json::string::npos);
  for (std::uint64_t i = 1; i <= 4; ++i)
    EXPECT_EQ(events[i].seq(), i);
  EXPECT_EQ(events[4].type, "end");
}

} // namespace

TEST_F(resume, event_ids_name_the_instance_and_json_keeps_the_plain_seq) {
  start({"--demo.interval=20ms"});
  auto id = start_job();
  auto events = all_events(port(), id);
  ASSERT_EQ(events.size(), 4u);
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto data = parse_object(events[i].data);
    EXPECT_EQ(data.at("seq").as_int64(), static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(data.at("id").as_string(), events[i].id);
    EXPECT_EQ(events[i].epoch(), events[0].epoch());
  }
  // The full id and the bare number resume at the same place.
  auto by_id = events_from(port(), id, events[1].id);
  auto by_seq = events_from(port(), id, "2");
  ASSERT_EQ(by_id.size(), 2u);
  ASSERT_EQ(by_seq.size(), 2u);
  EXPECT_EQ(by_id[0].id, events[2].id);
  EXPECT_EQ(by_seq[0].id, events[2].id);
}

TEST_F(resume, at_or_past_a_finished_jobs_end_is_204) {
  start({"--demo.interval=20ms"});
  auto id = start_job();
  auto events = all_events(port(), id);
  ASSERT_EQ(events.size(), 4u);
  for (auto last : {events[3].id, std::string{"4"}, std::string{"99"},
                    events[3].epoch() + "-99"}) {
    auto res = request(port(), "GET", "/jobs/" + id + "/events",
                       {{"Last-Event-ID", last}});
    EXPECT_EQ(res.status, 204u) << last;
    EXPECT_EQ(res.header("content-length"), "") << last;
    EXPECT_EQ(res.body, "") << last;
  }
  // Through the query parameter too, which is what a reconnect without
  // headers sends.
  EXPECT_EQ(
      request(port(), "GET", "/jobs/" + id + "/events?last-event-id=4").status,
      204u);
}

TEST_F(resume, ahead_of_a_running_job_resets_and_reaches_the_end) {
  start({"--demo.interval=200ms"});
  auto id = start_job();
  expect_reset_and_full_replay(events_from(port(), id, "99"));
}

TEST_F(resume, an_id_of_another_instance_resets) {
  start({"--demo.interval=20ms"});
  auto id = start_job();
  auto events = all_events(port(), id);
  ASSERT_EQ(events.size(), 4u);
  auto other = events[0].epoch() == "zz" ? "zy" : "zz";
  expect_reset_and_full_replay(
      events_from(port(), id, other + std::string{"-2"}));
}

TEST_F(resume, an_unreadable_resume_point_resets) {
  start({"--demo.interval=20ms"});
  auto id = start_job();
  all_events(port(), id);
  for (auto bad : {"abc", "-1", "1.5", "ZZ-1", "k-", "0-3"})
    expect_reset_and_full_replay(events_from(port(), id, bad));
  stream by_query{port(), "/jobs/" + id + "/events?last-event-id=-1"};
  expect_reset_and_full_replay(sse_reader{by_query}.rest());
}

TEST_F(resume, an_id_from_before_a_restart_is_not_taken_for_the_new_job) {
  start({"--demo.interval=20ms"});
  auto old_events = all_events(port(), start_job());
  ASSERT_EQ(old_events.size(), 4u);
  // A new run of the server: job ids start again at 1.
  TearDown();
  start({"--demo.interval=200ms"});
  auto id = start_job();
  ASSERT_EQ(id, "1");
  // An open page of the old job 1 reconnects with its last id. It must get
  // the new job 1 from its start, told that the id meant something else.
  auto events = events_from(port(), id, old_events[1].id);
  expect_reset_and_full_replay(events);
  EXPECT_NE(events[1].epoch(), old_events[1].epoch());
}

TEST_F(resume, retry_travels_with_the_first_event) {
  start({"--demo.interval=20ms"});
  auto id = start_job();
  stream s{port(), "/jobs/" + id + "/events"};
  std::string bytes;
  while (bytes.find("\n\n") == std::string::npos) {
    auto chunk = s.next_chunk();
    ASSERT_TRUE(chunk);
    bytes += *chunk;
  }
  // The first block (up to the first blank line) is a whole event.
  auto block = bytes.substr(0, bytes.find("\n\n"));
  EXPECT_EQ(block.rfind("retry: 2000\n", 0), 0u) << block;
  EXPECT_NE(block.find("\nid: "), std::string::npos) << block;
  EXPECT_NE(block.find("\ndata: {"), std::string::npos) << block;
}

TEST_F(resume, websocket_resets_on_an_unreadable_resume_point) {
  start({"--demo.interval=20ms"});
  auto id = start_job();
  all_events(port(), id);
  ws_client ws{port(), "/jobs/" + id + "/ws?last-event-id=nonsense"};
  auto first = ws.read();
  ASSERT_TRUE(first);
  auto reset = parse_object(*first);
  EXPECT_EQ(reset.at("type").as_string(), "reset");
  EXPECT_EQ(reset.at("seq").as_int64(), 0);
  std::vector<std::int64_t> seqs;
  while (auto frame = ws.read())
    seqs.push_back(parse_object(*frame).at("seq").as_int64());
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(ws.close_code(), 1000);
}

TEST_F(resume, websocket_at_a_finished_jobs_end_closes_normally) {
  start({"--demo.interval=20ms"});
  auto id = start_job();
  auto events = all_events(port(), id);
  ASSERT_EQ(events.size(), 4u);
  ws_client ws{port(), "/jobs/" + id + "/ws?last-event-id=" + events[3].id};
  EXPECT_FALSE(ws.read());
  EXPECT_EQ(ws.close_code(), 1000);
}
