// --mode=report: reads JSON lines (loadgen output and the run script's wrk
// lines), groups them by "label" (one label = one scenario), and prints a
// markdown report with jobcast and nchan side by side and the ratio
// jobcast/nchan.

#include "common.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

namespace bench {

namespace json = boost::json;

namespace {

struct scenario {
  std::string label;
  std::string mode;
  std::map<std::string, json::object> by_server;
};

std::optional<double> as_number(const json::value* v) {
  if (!v)
    return std::nullopt;
  if (v->is_double())
    return v->as_double();
  if (v->is_int64())
    return static_cast<double>(v->as_int64());
  if (v->is_uint64())
    return static_cast<double>(v->as_uint64());
  return std::nullopt;
}

std::string fmt(double v) {
  char buf[64];
  auto a = std::fabs(v);
  if (v == std::floor(v) && a < 1e15)
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  else if (a >= 100)
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  else if (a >= 1)
    std::snprintf(buf, sizeof(buf), "%.2f", v);
  else
    std::snprintf(buf, sizeof(buf), "%.3f", v);
  return buf;
}

std::string cell(const json::object* obj, const std::string& key) {
  if (!obj)
    return "–";
  auto* v = obj->if_contains(key);
  if (!v || v->is_null())
    return "–";
  if (auto n = as_number(v))
    return fmt(*n);
  if (v->is_string())
    return std::string{v->as_string()};
  if (v->is_bool())
    return v->as_bool() ? "true" : "false";
  auto text = json::serialize(*v);
  return text == "{}" ? "–" : "`" + text + "`";
}

std::string ratio(const json::object* a, const json::object* b,
                  const std::string& key) {
  if (!a || !b)
    return "–";
  auto x = as_number(a->if_contains(key));
  auto y = as_number(b->if_contains(key));
  if (!x || !y || *y == 0)
    return "–";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", *x / *y);
  return buf;
}

/// "j / n (r×)" for the summary table.
std::string pair(const json::object* j, const json::object* n,
                 const std::string& key, bool with_ratio = true) {
  auto out = cell(j, key) + " / " + cell(n, key);
  auto r = ratio(j, n, key);
  if (with_ratio && r != "–")
    out += " (" + r + "×)";
  return out;
}

// server_gauges_after is long; it stays in the JSON lines.
const std::set<std::string> skipped = {
    "tool", "label", "mode", "server", "job", "server_gauges_after"};
const std::set<std::string> settings = {
    "transport",  "subscribers", "events",  "rate",     "event_bytes",
    "cycles",     "concurrency", "prefill", "fd_limit", "waits_for",
    "duration_s", "connections", "threads"};

} // namespace

int run_report(const options& opt) {
  std::vector<scenario> scenarios;
  std::map<std::string, std::size_t> index;
  for (auto& path : opt.inputs) {
    std::ifstream in{path};
    if (!in) {
      std::cerr << "report: cannot read " << path << '\n';
      return 1;
    }
    std::string line;
    while (std::getline(in, line)) {
      boost::system::error_code ec;
      auto v = json::parse(line, ec);
      if (ec || !v.is_object())
        continue;
      auto& obj = v.as_object();
      auto str = [&](const char* key) {
        auto* f = obj.if_contains(key);
        return f && f->is_string() ? std::string{f->as_string()}
                                   : std::string{};
      };
      auto label = str("label");
      auto server = str("server");
      if (label.empty() || server.empty())
        continue;
      auto [it, fresh] = index.try_emplace(label, scenarios.size());
      if (fresh)
        scenarios.push_back({label, str("mode"), {}});
      scenarios[it->second].by_server[server] = obj;
    }
  }

  std::ostringstream md;
  auto find = [](scenario& s, const char* server) -> const json::object* {
    auto it = s.by_server.find(server);
    return it == s.by_server.end() ? nullptr : &it->second;
  };

  md << "## Summary (jobcast / nchan, ratio jobcast/nchan)\n\n";
  bool any_fanout = false;
  for (auto& s : scenarios)
    any_fanout |= s.mode == "fanout";
  if (any_fanout) {
    md << "### Fan-out\n\n"
       << "| scenario | connected | missing | dup / out of order | "
          "deliveries/s | latency p50 ms | latency p99 ms | "
          "server CPU s (publish) | RSS per subscriber KiB |\n"
       << "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
    for (auto& s : scenarios) {
      if (s.mode != "fanout")
        continue;
      auto* j = find(s, "jobcast");
      auto* n = find(s, "nchan");
      md << "| " << s.label << " | "
         << pair(j, n, "subscribers_connected", false) << " | "
         << pair(j, n, "missing", false) << " | " << cell(j, "duplicated")
         << "/" << cell(j, "out_of_order") << " / " << cell(n, "duplicated")
         << "/" << cell(n, "out_of_order") << " | "
         << pair(j, n, "deliveries_per_second") << " | "
         << pair(j, n, "latency_p50_ms") << " | "
         << pair(j, n, "latency_p99_ms") << " | "
         << pair(j, n, "server_cpu_publish_seconds") << " | "
         << pair(j, n, "rss_per_subscriber_kb") << " |\n";
    }
    md << '\n';
  }
  bool any_churn = false;
  for (auto& s : scenarios)
    any_churn |= s.mode == "churn";
  if (any_churn) {
    md << "### Churn\n\n"
       << "| scenario | cycles ok | failed | cycles/s | first bytes p99 ms | "
          "subscribers after | RSS fresh KiB | RSS before KiB (warm) | "
          "RSS after KiB | server CPU s |\n"
       << "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
    for (auto& s : scenarios) {
      if (s.mode != "churn")
        continue;
      auto* j = find(s, "jobcast");
      auto* n = find(s, "nchan");
      md << "| " << s.label << " | " << pair(j, n, "cycles_ok", false) << " | "
         << pair(j, n, "cycles_failed", false) << " | "
         << pair(j, n, "cycles_per_second") << " | "
         << pair(j, n, "first_bytes_p99_ms") << " | "
         << pair(j, n, "server_subscribers_after", false) << " | "
         << pair(j, n, "server_rss_fresh_kb") << " | "
         << pair(j, n, "server_rss_before_kb") << " | "
         << pair(j, n, "server_rss_after_kb") << " | "
         << pair(j, n, "server_cpu_seconds") << " |\n";
    }
    md << '\n';
  }
  bool header = false;
  for (auto& s : scenarios) {
    if (s.mode != "start-rate")
      continue;
    auto* j = find(s, "jobcast");
    if (!header) {
      header = true;
      md << "### Job start rate (jobcast only: nchan has no jobs)\n\n"
         << "| scenario | requests/s | requests | non-2xx | socket errors | "
            "latency p50 ms | p99 ms | max ms | RSS before → after KiB | "
            "events recorded |\n"
         << "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
    }
    md << "| " << s.label << " | " << cell(j, "requests_per_second") << " | "
       << cell(j, "requests") << " | " << cell(j, "non_2xx") << " | "
       << cell(j, "socket_errors") << " | " << cell(j, "latency_p50_ms")
       << " | " << cell(j, "latency_p99_ms") << " | "
       << cell(j, "latency_max_ms") << " | " << cell(j, "server_rss_before_kb")
       << " → " << cell(j, "server_rss_after_kb") << " | "
       << cell(j, "events_published_total") << " |\n";
  }
  if (header)
    md << '\n';

  md << "## Every figure\n";
  for (auto& s : scenarios) {
    auto* j = find(s, "jobcast");
    auto* n = find(s, "nchan");
    md << "\n### " << s.label << "\n\n"
       << "| figure | jobcast | nchan | jobcast/nchan |\n"
       << "| --- | --- | --- | --- |\n";
    std::vector<std::string> keys;
    std::set<std::string> seen;
    for (auto* obj : {j, n}) {
      if (!obj)
        continue;
      for (auto& [key, value] : *obj) {
        std::string k{key};
        if (skipped.count(k) || !seen.insert(k).second)
          continue;
        keys.push_back(k);
      }
    }
    for (auto& key : keys) {
      auto nchan_cell =
          n ? cell(n, key) : std::string{s.mode == "start-rate" ? "n/a" : "–"};
      md << "| " << key << " | " << cell(j, key) << " | " << nchan_cell << " | "
         << (settings.count(key) ? "" : ratio(j, n, key)) << " |\n";
    }
  }
  auto text = md.str();
  std::cout << text;
  if (!opt.markdown_out.empty()) {
    std::ofstream out{opt.markdown_out};
    out << text;
  }
  return 0;
}

} // namespace bench
