// Unit tests of the API's request parsers (http/api.hpp): start requests,
// published events, finish requests, job list queries, the Authorization
// header, form fields and resume points. Pure functions, no server.

#include "http/api.hpp"

#include <gtest/gtest.h>

using namespace jobcast;

namespace {

template <class T> const T& accepted(const std::variant<T, bad_input>& res) {
  if (auto* err = std::get_if<bad_input>(&res))
    ADD_FAILURE() << "refused: " << err->error << ": " << err->detail;
  static const T none{};
  auto* ok = std::get_if<T>(&res);
  return ok ? *ok : none;
}

template <class T> bad_input refused(const std::variant<T, bad_input>& res) {
  auto* err = std::get_if<bad_input>(&res);
  if (!err) {
    ADD_FAILURE() << "accepted";
    return {};
  }
  return *err;
}

} // namespace

// -- parse_job_spec
// -------------------------------------------------------------

TEST(check_json_type, takes_application_json_with_parameters) {
  EXPECT_FALSE(check_json_type("application/json"));
  EXPECT_FALSE(check_json_type("application/json; charset=utf-8"));
  EXPECT_FALSE(check_json_type("Application/JSON ;charset=UTF-8"));
}

TEST(check_json_type, refuses_what_a_no_cors_fetch_or_form_can_send) {
  for (auto type :
       {"", "text/plain", "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/jsonx", "application/json-seq", "text/json"}) {
    auto err = check_json_type(type);
    ASSERT_TRUE(err) << type;
    EXPECT_EQ(err->status, 415u) << type;
    EXPECT_EQ(err->error, "unsupported media type");
  }
}

TEST(parse_job_spec, reads_kind_and_title) {
  auto spec =
      accepted(parse_job_spec(R"({"kind":"external","title":"nightly"})"));
  EXPECT_EQ(spec.kind, "external");
  EXPECT_EQ(spec.title, "nightly");
  EXPECT_TRUE(spec.token_hash.empty());
}

TEST(parse_job_spec, defaults_to_a_demo_job_without_title) {
  auto spec = accepted(parse_job_spec("{}"));
  EXPECT_EQ(spec.kind, "demo");
  EXPECT_EQ(spec.title, "");
}

TEST(parse_job_spec, refuses_what_is_not_an_object_of_known_string_fields) {
  EXPECT_EQ(refused(parse_job_spec("{")).error, "malformed JSON");
  EXPECT_EQ(refused(parse_job_spec("[]")).detail, "expected a JSON object");
  EXPECT_EQ(refused(parse_job_spec(R"({"kind":1})")).detail,
            "\"kind\" must be a string");
  EXPECT_EQ(refused(parse_job_spec(R"({"title":null})")).detail,
            "\"title\" must be a string");
  EXPECT_EQ(refused(parse_job_spec(R"({"kind":"demo","token":"x"})")).detail,
            "unknown field \"token\"");
}

TEST(parse_job_spec, limits_the_title_to_200_bytes) {
  auto body = [](std::size_t n) {
    return R"({"title":")" + std::string(n, 't') + "\"}";
  };
  EXPECT_EQ(accepted(parse_job_spec(body(200))).title.size(), 200u);
  auto err = refused(parse_job_spec(body(201)));
  EXPECT_EQ(err.detail, "\"title\" is over 200 bytes");
  EXPECT_EQ(err.status, 400u);
}

// -- parse_events
// ---------------------------------------------------------------

TEST(parse_events, reads_one_object_or_an_array_of_them) {
  auto one = accepted(
      parse_events(R"({"text":"a","progress":0.25})", "application/json", 100));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].text, "a");
  EXPECT_DOUBLE_EQ(one[0].progress, 0.25);
  EXPECT_FALSE(one[0].from_stderr);
  auto many = accepted(parse_events(
      R"([{"text":"a"},{"text":"b","progress":null},{"text":"c","progress":1}])",
      "application/json", 100));
  ASSERT_EQ(many.size(), 3u);
  EXPECT_EQ(many[1].text, "b");
  EXPECT_LT(many[0].progress, 0.0); // None given.
  EXPECT_LT(many[1].progress, 0.0); // null is none.
  EXPECT_DOUBLE_EQ(many[2].progress, 1.0);
}

TEST(parse_events, takes_the_stream_a_line_came_from) {
  auto lines = accepted(parse_events(
      R"([{"text":"a","stream":"stderr"},{"text":"b","stream":"stdout"}])",
      "application/json", 100));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].from_stderr);
  EXPECT_FALSE(lines[1].from_stderr);
  for (auto body :
       {R"({"text":"a","stream":"tty"})", R"({"text":"a","stream":2})"})
    EXPECT_EQ(refused(parse_events(body, "application/json", 100)).detail,
              "\"stream\" is \"stdout\" or \"stderr\"")
        << body;
}

TEST(parse_events, refuses_malformed_events) {
  auto json = [](std::string_view body) {
    return refused(parse_events(body, "application/json", 100));
  };
  EXPECT_EQ(json("nope").error, "malformed JSON");
  EXPECT_EQ(json("[]").error, "no events");
  EXPECT_EQ(json("42").detail, "each event is a JSON object");
  EXPECT_EQ(json(R"([{"text":"a"},7])").detail, "each event is a JSON object");
  EXPECT_EQ(json(R"({"progress":0.5})").detail, "\"text\" is missing");
  EXPECT_EQ(json(R"({"text":5})").detail, "\"text\" must be a string");
  EXPECT_EQ(json(R"({"text":"a","progress":"1"})").detail,
            "\"progress\" must be a number");
  EXPECT_EQ(json(R"({"text":"a","progress":1.5})").detail,
            "\"progress\" must be 0 to 1");
  EXPECT_EQ(json(R"({"text":"a","progress":-0.1})").detail,
            "\"progress\" must be 0 to 1");
  EXPECT_EQ(json(R"({"text":"a","seq":3})").detail, "unknown field \"seq\"");
  EXPECT_EQ(json(R"({"text":5})").status, 400u);
}

TEST(parse_events, limits_text_size_with_413_and_needs_utf8) {
  auto at_limit = parse_events(R"({"text":"abcd"})", "application/json", 4);
  EXPECT_EQ(accepted(at_limit).at(0).text, "abcd");
  auto err =
      refused(parse_events(R"({"text":"abcde"})", "application/json", 4));
  EXPECT_EQ(err.error, "event too large");
  EXPECT_EQ(err.status, 413u);
  EXPECT_EQ(err.detail, "an event's text is limited to 4 bytes");
  // Invalid UTF-8 in a line of a text/plain body.
  auto bad = refused(parse_events("ok\n\xC3\x28\n", "text/plain", 100));
  EXPECT_EQ(bad.error, "invalid text");
  EXPECT_EQ(bad.status, 400u);
}

TEST(parse_events, reads_text_plain_as_one_event_per_line) {
  auto lines = accepted(
      parse_events("one\r\ntwo\n\nlast", "text/plain; charset=utf-8", 10));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].text, "one"); // CRLF ends a line too.
  EXPECT_EQ(lines[1].text, "two");
  EXPECT_EQ(lines[2].text, "");
  EXPECT_EQ(lines[3].text, "last");
  for (auto& ev : lines)
    EXPECT_LT(ev.progress, 0.0);
  // The media type is matched without parameters and blanks around it.
  EXPECT_EQ(accepted(parse_events("x", " text/plain ;q=1", 10)).size(), 1u);
  EXPECT_EQ(refused(parse_events("", "text/plain", 10)).error, "no events");
  EXPECT_EQ(refused(parse_events("12345678901\n", "text/plain", 10)).status,
            413u);
  // Any other type is JSON.
  EXPECT_EQ(refused(parse_events("x", "text/plainx", 10)).error,
            "malformed JSON");
}

// -- parse_finish
// -----------------------------------------------------------------

TEST(parse_finish, an_empty_body_is_success) {
  auto f = accepted(parse_finish("", 100));
  EXPECT_EQ(f.state, job_state::succeeded);
  EXPECT_EQ(f.text, "");
}

TEST(parse_finish, reads_state_and_text) {
  auto f = accepted(parse_finish(R"({"state":"failed","text":"boom"})", 100));
  EXPECT_EQ(f.state, job_state::failed);
  EXPECT_EQ(f.text, "boom");
  EXPECT_EQ(accepted(parse_finish(R"({"text":"ok"})", 100)).state,
            job_state::succeeded);
}

TEST(parse_finish, refuses_other_states_fields_and_oversized_text) {
  EXPECT_EQ(refused(parse_finish(R"({"state":"cancelled"})", 100)).detail,
            "\"state\" is \"succeeded\" or \"failed\"");
  EXPECT_EQ(refused(parse_finish(R"({"state":1})", 100)).detail,
            "\"state\" must be a string");
  EXPECT_EQ(refused(parse_finish(R"({"text":[]})", 100)).detail,
            "\"text\" must be a string");
  EXPECT_EQ(refused(parse_finish(R"({"code":1})", 100)).detail,
            "unknown field \"code\"");
  EXPECT_EQ(refused(parse_finish("[1]", 100)).detail, "expected a JSON object");
  EXPECT_EQ(refused(parse_finish(R"({"text":"12345"})", 4)).status, 413u);
}

// -- parse_job_query
// --------------------------------------------------------------

TEST(parse_job_query, defaults_to_the_first_50_of_every_state) {
  auto q = accepted(parse_job_query(""));
  EXPECT_FALSE(q.state);
  EXPECT_EQ(q.limit, 50u);
  EXPECT_EQ(q.offset, 0u);
  EXPECT_FALSE(accepted(parse_job_query("state=")).state);
}

TEST(parse_job_query, reads_state_limit_and_offset) {
  auto q = accepted(parse_job_query("state=running&limit=1000&offset=20"));
  ASSERT_TRUE(q.state);
  EXPECT_EQ(*q.state, job_state::running);
  EXPECT_EQ(q.limit, 1000u);
  EXPECT_EQ(q.offset, 20u);
  EXPECT_EQ(accepted(parse_job_query("limit=1")).limit, 1u);
}

TEST(parse_job_query, refuses_unknown_states_and_bad_numbers) {
  EXPECT_EQ(refused(parse_job_query("state=done")).detail,
            "unknown state \"done\"");
  for (auto q :
       {"limit=0", "limit=1001", "limit=", "limit=5x", "limit=-1", "limit=+5"})
    EXPECT_EQ(refused(parse_job_query(q)).detail, "limit must be 1 to 1000")
        << q;
  for (auto q :
       {"offset=", "offset=x", "offset=-1", "offset=18446744073709551616"})
    EXPECT_EQ(refused(parse_job_query(q)).detail,
              "offset must be a whole number")
        << q;
  // What the client sent is echoed only as valid UTF-8.
  auto err = refused(parse_job_query("state=%FF"));
  EXPECT_EQ(err.error, "bad query");
  EXPECT_EQ(err.detail.find('\xFF'), std::string::npos);
}

// -- headers and forms
// --------------------------------------------------------------

TEST(bearer_token, takes_the_trimmed_rest_after_a_case_insensitive_scheme) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer \t abc \t"), "abc");
  EXPECT_EQ(bearer_token("BEARER x y"), "x y");
  EXPECT_EQ(bearer_token("Bearer "), "");
  EXPECT_EQ(bearer_token("Bearerabc"), "");
  EXPECT_EQ(bearer_token("Basic abc"), "");
  EXPECT_EQ(bearer_token(""), "");
}

TEST(form_field, decodes_url_encoded_fields) {
  auto body = "kind=external&title=nightly+build%21&token=";
  EXPECT_EQ(form_field(body, "kind"), "external");
  EXPECT_EQ(form_field(body, "title"), "nightly build!");
  EXPECT_EQ(form_field(body, "token"), "");
  EXPECT_FALSE(form_field(body, "other"));
}

TEST(resume_position, prefers_the_header_then_the_query_then_the_start) {
  EXPECT_EQ(resume_position("7", "last-event-id=3").after, 7u);
  EXPECT_EQ(resume_position("", "x=1&last-event-id=3").after, 3u);
  auto start = resume_position("", "");
  EXPECT_EQ(start.after, 0u);
  EXPECT_TRUE(start.readable);
  auto with_epoch = resume_position(" 1b-5 ", "");
  EXPECT_EQ(with_epoch.epoch, 47u); // Base 36.
  EXPECT_EQ(with_epoch.after, 5u);
  EXPECT_FALSE(resume_position("seven", "").readable);
  EXPECT_FALSE(resume_position("0-5", "").readable);
  EXPECT_FALSE(resume_position("", "last-event-id=x").readable);
}

TEST(prefers_html, follows_the_accept_header_and_its_weights) {
  EXPECT_TRUE(prefers_html("text/html,application/xhtml+xml"));
  EXPECT_FALSE(prefers_html("text/plain"));
  EXPECT_FALSE(prefers_html(""));
  EXPECT_FALSE(prefers_html("*/*"));
  EXPECT_FALSE(prefers_html("text/html;q=0.5, text/plain"));
  EXPECT_TRUE(prefers_html("text/plain;q=0.5, text/html"));
}

TEST(cookie_value, finds_one_cookie_among_several) {
  EXPECT_EQ(cookie_value("jobcast_token=abc", "jobcast_token"), "abc");
  EXPECT_EQ(cookie_value("a=1; jobcast_token=x.y.z; b=2", "jobcast_token"),
            "x.y.z");
  EXPECT_EQ(cookie_value("a=1;jobcast_token=\"q\"", "jobcast_token"), "q");
  EXPECT_EQ(cookie_value("xjobcast_token=1; a=2", "jobcast_token"),
            std::nullopt);
  EXPECT_EQ(cookie_value("", "jobcast_token"), std::nullopt);
  EXPECT_EQ(cookie_value("jobcast_token", "jobcast_token"), std::nullopt);
}
