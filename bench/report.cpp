// --mode=report: reads JSON lines (loadgen output and the run script's wrk
// lines), groups them by "label" (one label = one scenario), and prints a
// markdown report with jobcast and nchan side by side and the ratio
// jobcast/nchan (--pair=A,B puts two other "server" values side by side).

#include "common.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
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
const std::set<std::string> settings = {"transport",
                                        "subscribers",
                                        "events",
                                        "rate",
                                        "event_bytes",
                                        "cycles",
                                        "concurrency",
                                        "prefill",
                                        "fd_limit",
                                        "waits_for",
                                        "duration_s",
                                        "connections",
                                        "threads",
                                        "jobs",
                                        "viewers_per_job",
                                        "job_rate",
                                        "events_per_job",
                                        "publishers",
                                        "hold_s",
                                        "heartbeat_s",
                                        "in_flight",
                                        "lines",
                                        "requests",
                                        "server_events_per_request",
                                        "server_fd_limit",
                                        "publish_target_per_second",
                                        "deliveries_target_per_second"};

using side = const json::object*;

/// One column of a summary table: its header and how a row's cell is made
/// from the two servers' lines.
struct column {
  std::string header;
  std::function<std::string(side a, side b)> render;
};

/// "a / b (a/b ×)": both servers and the ratio.
column both(std::string header, std::string key) {
  return {std::move(header), [key](side a, side b) { return pair(a, b, key); }};
}
/// "a / b": both servers, no ratio (counts that should match).
column both_plain(std::string header, std::string key) {
  return {std::move(header),
          [key](side a, side b) { return pair(a, b, key, false); }};
}
/// Duplicated/out of order of each server.
column dup_ooo() {
  return {"dup / out of order", [](side a, side b) {
            return cell(a, "duplicated") + "/" + cell(a, "out_of_order") +
                   " / " + cell(b, "duplicated") + "/" +
                   cell(b, "out_of_order");
          }};
}
/// The first server's figure only (jobcast-only scenarios, settings).
column mine(std::string header, std::string key) {
  return {std::move(header), [key](side a, side) { return cell(a, key); }};
}
/// "from → to" of the first server.
column mine_arrow(std::string header, std::string from, std::string to) {
  return {std::move(header), [from, to](side a, side) {
            return cell(a, from) + " → " + cell(a, to);
          }};
}

struct table {
  std::string title;
  std::string mode; // the scenarios it lists
  std::vector<column> columns;
  std::string note; // after the table, if any
};

/// The summary tables, in the order they are printed.
std::vector<table> summary_tables() {
  return {
      {"Fan-out",
       "fanout",
       {both_plain("connected", "subscribers_connected"),
        both_plain("missing", "missing"), dup_ooo(),
        both("deliveries/s", "deliveries_per_second"),
        both("latency p50 ms", "latency_p50_ms"),
        both("latency p99 ms", "latency_p99_ms"),
        both("server CPU s (publish)", "server_cpu_publish_seconds"),
        both("server CPU µs per delivery", "server_cpu_us_per_delivery"),
        both("RSS per subscriber KiB", "rss_per_subscriber_kb")},
       ""},
      {"Churn",
       "churn",
       {both_plain("cycles ok", "cycles_ok"),
        both_plain("failed", "cycles_failed"),
        both("cycles/s", "cycles_per_second"),
        both("first bytes p99 ms", "first_bytes_p99_ms"),
        both_plain("subscribers after", "server_subscribers_after"),
        both("RSS fresh KiB", "server_rss_fresh_kb"),
        both("RSS before KiB (warm)", "server_rss_before_kb"),
        both("RSS after KiB", "server_rss_after_kb"),
        both("server CPU s", "server_cpu_seconds")},
       ""},
      {"Replay of a finished history",
       "replay",
       {both_plain("viewers done", "viewers_done"),
        both_plain("missing", "missing"), dup_ooo(),
        both("wall s (all viewers, every event and the end)", "replay_seconds"),
        both("events/s", "events_per_second"),
        both("server CPU s", "server_cpu_seconds"),
        both("CPU µs per event", "server_cpu_us_per_event"),
        both("first event p50 ms", "first_event_p50_ms"),
        both("server RSS growth KiB (peak)", "rss_growth_peak_kb"),
        both("loadgen CPU s", "loadgen_cpu_seconds")},
       ""},
      {"Many jobs",
       "manyjobs",
       {both_plain("viewers connected", "subscribers_connected"),
        both_plain("missing", "missing"), dup_ooo(),
        both_plain("other jobs' markers", "markers_out_of_range"),
        mine("publish target /s", "publish_target_per_second"),
        both("publish /s achieved", "publish_per_second"),
        both("publish lag p99 ms", "publish_lag_p99_ms"),
        both("deliveries/s", "deliveries_per_second"),
        both("latency p50 ms", "latency_p50_ms"),
        both("latency p99 ms", "latency_p99_ms"),
        both("server CPU s (publish)", "server_cpu_publish_seconds"),
        both("server CPU µs per delivery", "server_cpu_us_per_delivery"),
        both("RSS per viewer KiB", "rss_per_subscriber_kb")},
       ""},
      {"Idle connections",
       "idle",
       {both_plain("viewers connected", "subscribers_connected"),
        both_plain("still connected at end", "still_connected_at_end"),
        both_plain("server counts at end", "server_subscribers_at_end"),
        both_plain("heartbeats per viewer (min)", "heartbeats_per_viewer_min"),
        both_plain("heartbeats per viewer (p50)", "heartbeats_per_viewer_p50"),
        both("heartbeats per viewer in the hold",
             "heartbeats_per_viewer_during_hold"),
        both("heartbeat interval s (p50)", "heartbeat_interval_p50_s"),
        both("RSS per connection KiB", "rss_per_subscriber_kb"),
        both("server RSS connected KiB", "server_rss_connected_kb"),
        both("server CPU ms per s idle", "server_cpu_idle_ms_per_second"),
        both("server CPU µs per heartbeat", "server_cpu_us_per_heartbeat"),
        both("loadgen CPU s (idle)", "loadgen_cpu_idle_seconds")},
       ""},
      {"Publish bursts",
       "burst",
       {both_plain("viewers complete", "subscribers_complete"),
        both_plain("missing", "missing"), dup_ooo(),
        both("events accepted/s", "events_accepted_per_second"),
        both("requests/s", "requests_per_second"),
        both_plain("server events per request", "server_events_per_request"),
        both("server messages/s", "server_messages_per_second"),
        both("publish p50 ms", "publish_p50_ms"),
        both("publish p99 ms", "publish_p99_ms"),
        both("server CPU µs per event", "server_cpu_us_per_event")},
       "`k` is the number of publisher connections, each with one request in "
       "flight (separate keep-alive connections, no pipelining); `l` the "
       "events per request. With l > 1 the body is text/plain, one event per "
       "line: jobcast records l events; nchan has no such thing and stores "
       "the body as one message of l lines (its SSE viewers get one event "
       "with l `data:` lines). \"events accepted/s\" counts the lines both "
       "took (every line's marker reaches every viewer on both: `missing`); "
       "\"server messages/s\" what each server counts as a message. Out of "
       "order is checked per publisher connection, since requests on "
       "different connections may overtake each other."},
      {"Job start rate (jobcast only: nchan has no jobs)",
       "start-rate",
       {mine("requests/s", "requests_per_second"), mine("requests", "requests"),
        mine("non-2xx", "non_2xx"), mine("socket errors", "socket_errors"),
        mine("latency p50 ms", "latency_p50_ms"),
        mine("p99 ms", "latency_p99_ms"), mine("max ms", "latency_max_ms"),
        mine_arrow("RSS before → after KiB", "server_rss_before_kb",
                   "server_rss_after_kb"),
        mine("events recorded", "events_published_total")},
       ""},
      {"Soak: job starts plus churn (jobcast only)",
       "soak",
       {mine("jobs started", "created"),
        mine("starts/s", "requests_per_second"),
        mine("churn cycles", "churn_cycles_ok"),
        mine("RSS start KiB", "rss_start_kb"),
        mine("RSS at 10 s KiB", "rss_10s_kb"),
        mine("max after 10 s KiB", "rss_max_after_10s_kb"),
        mine("RSS end KiB", "rss_end_kb"),
        mine("growth after 10 s KiB", "rss_growth_after_10s_kb"),
        mine("server CPU s", "server_cpu_seconds")},
       ""},
  };
}

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

  const char* a = opt.pair_a.c_str();
  const char* b = opt.pair_b.c_str();
  md << "## Summary (" << a << " / " << b << ", ratio " << a << "/" << b
     << ")\n\n";
  for (auto& t : summary_tables()) {
    bool header = false;
    for (auto& sc : scenarios) {
      if (sc.mode != t.mode)
        continue;
      if (!header) {
        header = true;
        md << "### " << t.title << "\n\n| scenario |";
        for (auto& c : t.columns)
          md << ' ' << c.header << " |";
        md << "\n| --- |";
        for (std::size_t i = 0; i < t.columns.size(); ++i)
          md << " --- |";
        md << '\n';
      }
      auto* j = find(sc, a);
      auto* n = find(sc, b);
      md << "| " << sc.label << " |";
      for (auto& c : t.columns)
        md << ' ' << c.render(j, n) << " |";
      md << '\n';
    }
    if (header)
      md << '\n' << (t.note.empty() ? "" : t.note + "\n\n");
  }

  md << "## Every figure\n";
  for (auto& s : scenarios) {
    auto* j = find(s, a);
    auto* n = find(s, b);
    md << "\n### " << s.label << "\n\n"
       << "| figure | " << a << " | " << b << " | " << a << "/" << b << " |\n"
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
          n ? cell(n, key)
            : std::string{s.mode == "start-rate" || s.mode == "soak" ? "n/a"
                                                                     : "–"};
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
