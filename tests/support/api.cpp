#include "support/api.hpp"

#include "support/http_client.hpp"

#include <boost/json/parse.hpp>
#include <fstream>
#include <gtest/gtest.h>

namespace jobcast::test {

boost::json::object parse_object(const std::string& text) {
  return boost::json::parse(text).as_object();
}

std::string api_start(std::uint16_t port, const std::string& body) {
  auto res = request(port, "POST", "/api/jobs",
                     {{"Content-Type", "application/json"}}, body);
  EXPECT_EQ(res.status, 201u) << res.body;
  return res.body;
}

std::string start_kind(std::uint16_t port, const std::string& kind) {
  return api_start(port, R"({"kind":")" + kind + R"("})");
}

std::string start_demo(std::uint16_t port) {
  return id_of(start_kind(port, "demo"));
}

std::string id_of(const std::string& body) {
  return std::to_string(parse_object(body).at("id").as_int64());
}

std::string token_of(const std::string& body) {
  return std::string{parse_object(body).at("token").as_string()};
}

long rss_kib(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return -1;
}

} // namespace jobcast::test
