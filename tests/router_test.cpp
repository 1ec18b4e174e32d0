#include "http/router.hpp"
#include "http/routes.hpp"

#include <gtest/gtest.h>

using namespace jobcast;

TEST(parse_job_id, accepts_positive_decimals_that_fit) {
  EXPECT_EQ(parse_job_id("1"), 1u);
  EXPECT_EQ(parse_job_id("42"), 42u);
  EXPECT_EQ(parse_job_id("18446744073709551615"), 18446744073709551615u);
}

TEST(parse_job_id, rejects_everything_else) {
  for (auto text :
       {"", "0", "-1", "+1", "abc", "1a", " 1", "1.0", "18446744073709551616",
        "99999999999999999999", "000000000000000000001"})
    EXPECT_FALSE(parse_job_id(text)) << text;
}

namespace {

/// The name of the route `target` resolves to for `m`, or "" if none.
std::string_view name_of(method m, std::string_view target) {
  auto r = resolve(routes(), m, target);
  return r.entry ? r.entry->name : std::string_view{};
}

} // namespace

TEST(resolve, maps_paths_and_methods_to_routes) {
  EXPECT_EQ(name_of(method::get, "/"), "home");
  EXPECT_EQ(name_of(method::head, "/"), "home");
  EXPECT_EQ(name_of(method::post, "/"), "start_from_form");
  auto r = resolve(routes(), method::del, "/");
  EXPECT_EQ(r.entry, nullptr);
  EXPECT_TRUE(r.path_known);
  EXPECT_EQ(r.allow, "GET, HEAD, POST");
  r = resolve(routes(), method::get, "/view-progress/7?format=text");
  ASSERT_NE(r.entry, nullptr);
  EXPECT_EQ(r.entry->name, "view_progress");
  EXPECT_EQ(r.job, 7u);
  EXPECT_EQ(r.query, "format=text");
  EXPECT_FALSE(r.api);
  EXPECT_EQ(name_of(method::del, "/api/jobs/3"), "cancel_job");
}

TEST(resolve, knows_only_well_formed_paths) {
  auto r = resolve(routes(), method::get, "/view-progress/x");
  EXPECT_FALSE(r.path_known);
  EXPECT_EQ(r.entry, nullptr);
  EXPECT_FALSE(resolve(routes(), method::get, "/assets/../secret").path_known);
  EXPECT_FALSE(resolve(routes(), method::get, "/assets/.hidden").path_known);
  EXPECT_EQ(resolve(routes(), method::get, "/assets/app.css").file, "app.css");
  EXPECT_FALSE(resolve(routes(), method::get, "/jobs/1/events/x").path_known);
  EXPECT_FALSE(resolve(routes(), method::get, "/jobs/0/events").path_known);
  EXPECT_TRUE(resolve(routes(), method::get, "/api/nothing").api);
}

TEST(resolve, says_which_methods_a_path_takes) {
  auto r = resolve(routes(), method::put, "/api/jobs/5");
  EXPECT_EQ(r.allow, "GET, HEAD, DELETE");
  EXPECT_TRUE(r.api);
  EXPECT_EQ(resolve(routes(), method::get, "/jobs/5/ws").allow, "GET");
  EXPECT_EQ(resolve(routes(), method::get, "/api/jobs/5/finish").allow, "POST");
  EXPECT_EQ(allow_header(bit(method::options) | bit(method::get)),
            "GET, OPTIONS");
}

TEST(resolve, every_route_of_the_table_guards_what_changes_state) {
  for (auto& r : routes()) {
    auto changes = (r.methods & ~reads) != 0;
    auto writes = r.needs == guard::starter || r.needs == guard::canceller ||
                  r.needs == guard::publisher;
    EXPECT_EQ(changes, writes) << r.name;
  }
}

TEST(resolve, only_assets_and_healthz_are_open_to_anyone_with_access_tokens) {
  for (auto& r : routes())
    EXPECT_EQ(r.needs == guard::anyone,
              r.name == "asset" || r.name == "healthz")
        << r.name;
}

TEST(resolve, only_own_pages_may_change_state_or_open_a_websocket) {
  for (auto& r : routes()) {
    auto changes = (r.methods & ~reads) != 0;
    if (changes || r.name == "job_ws")
      EXPECT_EQ(r.from, sites::own) << r.name;
    else
      EXPECT_EQ(r.from, sites::any) << r.name;
  }
}

TEST(resolve, exactly_the_routes_that_create_jobs_spend_starts) {
  for (auto& r : routes()) {
    auto creates = r.name == "start_from_form" || r.name == "create_job";
    EXPECT_EQ(r.spends, creates ? budget::starts : budget::none) << r.name;
  }
}

TEST(query_param, decodes_values) {
  EXPECT_EQ(query_param("a=1&b=x%20y+z", "b"), "x y z");
  EXPECT_EQ(query_param("a", "a"), "");
  EXPECT_FALSE(query_param("a=1", "b"));
  EXPECT_EQ(query_param("a=%zz", "a"), "%zz");
}
