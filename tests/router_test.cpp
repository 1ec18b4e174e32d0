#include "http/router.hpp"

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

TEST(resolve, maps_paths_and_methods) {
  auto r = resolve(method::post, "/");
  EXPECT_EQ(r.id, route_id::home);
  EXPECT_TRUE(r.method_allowed);
  r = resolve(method::del, "/");
  EXPECT_EQ(r.id, route_id::home);
  EXPECT_FALSE(r.method_allowed);
  EXPECT_EQ(r.allow, "GET, HEAD, POST");
  r = resolve(method::get, "/view-progress/7?format=text");
  EXPECT_EQ(r.id, route_id::view_progress);
  EXPECT_EQ(r.job, 7u);
  EXPECT_EQ(r.format, "text");
  EXPECT_EQ(resolve(method::get, "/view-progress/x").id, route_id::not_found);
  EXPECT_EQ(resolve(method::get, "/assets/../secret").id, route_id::not_found);
  EXPECT_EQ(resolve(method::get, "/assets/app.css").name, "app.css");
}

TEST(query_param, decodes_values) {
  EXPECT_EQ(query_param("a=1&b=x%20y+z", "b"), "x y z");
  EXPECT_EQ(query_param("a", "a"), "");
  EXPECT_FALSE(query_param("a=1", "b"));
  EXPECT_EQ(query_param("a=%zz", "a"), "%zz");
}
