// jobcast-run's plain parts: the command line, lines from bytes, the
// progress convention, and the bounded backlog.

#include "client/arguments.hpp"
#include "client/backlog.hpp"
#include "client/line_splitter.hpp"
#include "client/progress_line.hpp"

#include <gtest/gtest.h>

using namespace jobcast::run;

namespace {

const char* no_env(const char*) {
  return nullptr;
}

run_options
parsed(const std::vector<std::string>& args,
       const std::function<const char*(const char*)>& env = no_env) {
  auto result = parse_arguments(args, env);
  if (auto* err = std::get_if<std::string>(&result))
    ADD_FAILURE() << *err;
  return std::get<run_options>(result);
}

std::string refused(const std::vector<std::string>& args) {
  auto result = parse_arguments(args, no_env);
  EXPECT_TRUE(std::holds_alternative<std::string>(result));
  auto* err = std::get_if<std::string>(&result);
  return err ? *err : "";
}

} // namespace

// -- arguments

TEST(run_arguments, reads_options_then_the_command) {
  auto opts = parsed({"--server", "http://jobs.example:8080/jc/", "--title=t",
                      "--token", "s3cret", "--hold-lines", "5",
                      "--drain-timeout=500ms", "--keepalive", "2min", "-q",
                      "--", "make", "-j2", "--keep-going"});
  EXPECT_EQ(opts.server.host, "jobs.example");
  EXPECT_EQ(opts.server.port, "8080");
  EXPECT_EQ(opts.server.authority, "jobs.example:8080");
  EXPECT_EQ(opts.server.base_path, "/jc");
  EXPECT_EQ(opts.server.text, "http://jobs.example:8080/jc");
  EXPECT_EQ(opts.title, "t");
  EXPECT_EQ(opts.token, "s3cret");
  EXPECT_EQ(opts.hold_lines, 5u);
  EXPECT_EQ(opts.drain_timeout, std::chrono::milliseconds{500});
  EXPECT_EQ(opts.keepalive, std::chrono::minutes{2});
  EXPECT_TRUE(opts.quiet);
  EXPECT_EQ(opts.command,
            (std::vector<std::string>{"make", "-j2", "--keep-going"}));
}

TEST(run_arguments, the_command_starts_at_the_first_word_without_a_dash) {
  auto opts = parsed({"--server=http://[::1]:3000", "ls", "-l"});
  EXPECT_EQ(opts.server.host, "::1");
  EXPECT_EQ(opts.server.authority, "[::1]:3000");
  EXPECT_EQ(opts.command, (std::vector<std::string>{"ls", "-l"}));
  // The default title is the command line, and the defaults hold.
  EXPECT_EQ(opts.title, "ls -l");
  EXPECT_EQ(opts.hold_lines, 10000u);
  EXPECT_EQ(opts.drain_timeout, std::chrono::seconds{30});
  EXPECT_FALSE(opts.quiet);
}

TEST(run_arguments, server_and_token_may_come_from_the_environment) {
  auto env = [](const char* name) -> const char* {
    std::string n = name;
    return n == "JOBCAST_SERVER"  ? "http://h"
           : n == "JOBCAST_TOKEN" ? "t"
                                  : nullptr;
  };
  auto opts = parsed({"true"}, env);
  EXPECT_EQ(opts.server.port, "80");
  EXPECT_EQ(opts.token, "t");
  // The command line wins.
  EXPECT_EQ(parsed({"--token", "u", "true"}, env).token, "u");
}

TEST(run_arguments, a_long_default_title_is_cut_between_characters) {
  std::vector<std::string> args{"--server", "http://h", "echo"};
  args.push_back(std::string(197, 'x') + "\xC3\xA9\xC3\xA9");
  auto title = parsed(args).title;
  EXPECT_EQ(title, "echo " + std::string(195, 'x'));
  EXPECT_LE(title.size(), 200u);
}

TEST(run_arguments, refuses_what_cannot_be_run_with_a_reason) {
  EXPECT_EQ(refused({"true"}), "--server is missing (or set JOBCAST_SERVER)");
  EXPECT_EQ(refused({"--server", "http://h"}),
            "no command given (jobcast-run [options] -- CMD ARGS...)");
  EXPECT_EQ(refused({"--server", "http://h", "--bogus", "1", "true"}),
            "unknown option --bogus");
  EXPECT_EQ(refused({"--server"}), "--server needs a value");
  EXPECT_EQ(refused({"--server", "http://h", "--hold-lines", "0", "true"}),
            "--hold-lines takes a whole number of at least 1");
  EXPECT_EQ(refused({"--server", "http://h", "--drain-timeout", "soon", "x"}),
            "--drain-timeout takes a duration such as 500ms, 30s, 2min");
  for (auto url :
       {"ftp://h", "h:3000", "http://", "http://h:0", "http://h:99999",
        "http://u@h", "http://h/?q", "http://[::1"})
    EXPECT_NE(refused({"--server", url, "true"}).find("--server"),
              std::string::npos)
        << url;
  EXPECT_NE(refused({"--server", "https://h", "true"}).find("https is not"),
            std::string::npos);
  EXPECT_TRUE(std::holds_alternative<usage_request>(
      parse_arguments({"--help"}, no_env)));
}

TEST(run_arguments, durations) {
  EXPECT_EQ(parse_duration("250ms").count(), 250);
  EXPECT_EQ(parse_duration("1.5s").count(), 1500);
  EXPECT_EQ(parse_duration("3").count(), 3000);
  EXPECT_EQ(parse_duration("2min").count(), 120000);
  EXPECT_EQ(parse_duration("1h").count(), 3600000);
  for (auto bad : {"", "s", "-1s", "5 s", "5d", "1e300"})
    EXPECT_LT(parse_duration(bad).count(), 0) << bad;
}

// -- lines

TEST(line_splitter, splits_lines_as_jobcast_splits_a_commands) {
  line_splitter lines{100};
  EXPECT_EQ(lines.feed("a\r\nb"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(lines.feed("c\n\n"), (std::vector<std::string>{"bc", ""}));
  EXPECT_EQ(lines.feed("tail"), (std::vector<std::string>{}));
  EXPECT_EQ(lines.finish(), (std::vector<std::string>{"tail"}));
  EXPECT_EQ(lines.finish(), (std::vector<std::string>{}));
}

TEST(line_splitter, cuts_long_lines_without_breaking_characters) {
  line_splitter lines{4};
  EXPECT_EQ(lines.feed("abcdefghij\n"),
            (std::vector<std::string>{"abcd", "efgh", "ij"}));
  // An unfinished line: at most one piece waits; a two-byte character at
  // the cut stays whole.
  EXPECT_EQ(lines.feed("abc\xC3\xA9xyz"),
            (std::vector<std::string>{"abc", "\xC3\xA9xy"}));
  EXPECT_EQ(lines.finish(), (std::vector<std::string>{"z"}));
}

TEST(line_splitter, repairs_invalid_utf8_within_the_limit) {
  line_splitter lines{4};
  // Each bad byte becomes U+FFFD (three bytes): the pieces still fit.
  auto out = lines.feed("\xFF\xFF\xFF\n");
  ASSERT_EQ(out.size(), 3u);
  for (auto& piece : out)
    EXPECT_EQ(piece, "\xEF\xBF\xBD");
}

// -- progress

TEST(progress_line, reads_the_convention_and_nothing_else) {
  EXPECT_DOUBLE_EQ(progress_of("::progress 0.42").value(), 0.42);
  EXPECT_DOUBLE_EQ(progress_of("::progress\t1 ").value(), 1.0);
  EXPECT_DOUBLE_EQ(progress_of("::progress 0").value(), 0.0);
  for (auto line :
       {"::progress", "::progress ", "::progress 1.5", "::progress -0.1",
        "::progress 42%", "::progress0.5", " ::progress 0.5",
        "::progress 0.5 done", "progress 0.5", "::progress nan"})
    EXPECT_FALSE(progress_of(line)) << line;
}

// -- backlog

TEST(backlog, sends_in_order_and_batches_what_waits) {
  backlog q{10};
  q.add_line("a", false);
  auto first = q.take(100, 1000);
  ASSERT_EQ(first.size(), 1u);
  // While a batch is out, what arrives waits for the next.
  q.add_line("b", true);
  q.add_progress(0.5);
  EXPECT_TRUE(q.take(100, 1000).empty());
  q.sent();
  auto second = q.take(100, 1000);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].text, "b");
  EXPECT_TRUE(second[0].from_stderr);
  EXPECT_EQ(second[1].text, "");
  EXPECT_DOUBLE_EQ(second[1].progress, 0.5);
  q.sent();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.unpublished(), 0u);
}

TEST(backlog, a_failed_batch_goes_first_again) {
  backlog q{10};
  q.add_line("a", false);
  q.add_line("b", false);
  q.take(1, 1000);
  q.add_line("c", false);
  q.failed();
  auto again = q.take(100, 1000);
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again[0].text, "a");
  EXPECT_EQ(again[2].text, "c");
}

TEST(backlog, batches_are_bounded_by_count_and_bytes) {
  backlog q{100};
  for (int i = 0; i < 10; ++i)
    q.add_line(std::string(10, 'x'), false);
  EXPECT_EQ(q.take(3, 1000).size(), 3u);
  q.sent();
  EXPECT_EQ(q.take(100, 25).size(), 2u);
  q.sent();
  // One event longer than the byte bound still goes, alone.
  EXPECT_EQ(q.take(100, 5).size(), 1u);
}

TEST(backlog, progress_waiting_is_updated_not_queued_again) {
  backlog q{10};
  q.add_progress(0.1);
  q.add_progress(0.2);
  EXPECT_EQ(q.held(), 1u);
  auto batch = q.take(100, 1000);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_DOUBLE_EQ(batch[0].progress, 0.2);
  // Out already: a new value is a new event.
  q.add_progress(0.3);
  EXPECT_EQ(q.held(), 2u);
}

TEST(backlog, past_the_bound_the_oldest_waiting_lines_give_way_to_a_marker) {
  backlog q{3};
  q.add_line("a", false);
  q.take(100, 1000); // "a" is out, and stays held until it is answered.
  for (auto text : {"b", "c", "d", "e"})
    q.add_line(text, false);
  EXPECT_EQ(q.held(), 3u);
  EXPECT_EQ(q.dropped(), 2u);
  q.failed();
  auto batch = q.take(100, 1000);
  ASSERT_EQ(batch.size(), 4u);
  EXPECT_EQ(batch[0].text, "a");
  EXPECT_EQ(batch[1].what, outgoing::kind::marker);
  EXPECT_EQ(batch[1].text, dropped_text(2, 3));
  EXPECT_TRUE(batch[1].from_stderr);
  EXPECT_EQ(batch[2].text, "d");
  EXPECT_EQ(batch[3].text, "e");
  EXPECT_EQ(q.unpublished(), 5u); // 2 dropped + 3 held
  q.sent();
  EXPECT_EQ(q.unpublished(), 2u);
}

TEST(backlog, refused_batches_are_counted_as_lost) {
  backlog q{10};
  q.add_line("a", false);
  q.add_note("jobcast-run: hello");
  q.take(100, 1000);
  q.refused();
  EXPECT_EQ(q.lost(), 1u); // The note is not output.
  EXPECT_TRUE(q.empty());
}

TEST(backlog, notes_are_not_held_against_the_bound) {
  backlog q{1};
  q.add_line("a", false);
  q.add_note("n");
  q.prepend_note("first");
  EXPECT_EQ(q.held(), 1u);
  EXPECT_EQ(q.dropped(), 0u);
  auto batch = q.take(100, 1000);
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[0].text, "first");
  EXPECT_EQ(batch[1].text, "a");
}
