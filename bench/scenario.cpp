#include "scenario.hpp"

#include <boost/asio/error.hpp>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <thread>

namespace bench {

namespace {

double load_at_start = -1;

std::string errors_json(const std::map<std::string, std::size_t>& errors) {
  std::string out = "{";
  for (auto& [what, n] : errors) {
    if (out.size() > 1)
      out += ',';
    out += json_quote(what) + ':' + std::to_string(n);
  }
  return out + "}";
}

std::string gauges_json(const std::map<std::string, double>& gauges) {
  std::string g = "{";
  for (auto& [name, v] : gauges) {
    if (g.size() > 1)
      g += ',';
    g += json_quote(name) + ':' + json_number(v);
  }
  return g + "}";
}

void emit_error(const options& opt, const std::string& err,
                const std::string& scenario) {
  json_line line;
  add_common(line, opt, "");
  line.add("error", err);
  emit(opt, line, scenario + ": could not start");
}

} // namespace

void sleep_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

clock::time_point deadline_after(double seconds) {
  return clock::now() +
         std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6));
}

std::string short_error(const error_code& ec) {
  if (ec == boost::asio::error::eof)
    return "eof";
  return ec.message();
}

std::string event_text(std::size_t seq, std::size_t bytes) {
  std::string text = "B:" + std::to_string(seq) + ":" +
                     std::to_string(now_ns()) + "; bench event " +
                     std::to_string(seq);
  if (text.size() < bytes)
    text.append(bytes - text.size(), '.');
  return text;
}

int status_of(const std::string& head) {
  if (head.compare(0, 5, "HTTP/") != 0)
    return 0;
  auto sp = head.find(' ');
  if (sp == std::string::npos)
    return 0;
  return std::atoi(head.c_str() + sp + 1);
}

void emit(const options& opt, const json_line& line, const std::string& title) {
  std::cerr << "\n" << title << "\n";
  for (auto& [key, value] : line.rows())
    std::cerr << "  " << std::left << std::setw(38) << key << ' ' << value
              << '\n';
  auto text = line.str();
  std::cout << text << std::endl;
  if (!opt.json_out.empty()) {
    std::ofstream out{opt.json_out, std::ios::app};
    out << text << '\n';
  }
}

void add_gauges_and_errors(json_line& line,
                           const std::map<std::string, double>& gauges,
                           const std::map<std::string, std::size_t>& errors) {
  line.add_raw("server_gauges_after", gauges_json(gauges));
  line.add_raw("errors", errors_json(errors));
}

void add_common(json_line& line, const options& opt, const std::string& id) {
  line.add("tool", "jobcast_loadgen")
      .add("label", opt.label)
      .add("mode", opt.mode)
      .add("server", opt.name.empty() ? opt.server : opt.name)
      .add("transport", opt.transport)
      .add("job", id)
      .add("loadavg_1m_start", load_at_start)
      .add("loadavg_1m_end", load_average());
}

void note_start_load() {
  load_at_start = load_average();
}

bool create_job(dialect& d, http_client& control, const options& opt,
                const std::string& scenario) {
  auto err = d.create(control);
  if (err.empty())
    return true;
  emit_error(opt, err, scenario);
  return false;
}

session::session(const options& opt)
    : fd_limit(raise_fd_limit())
    , deadline(deadline_after(opt.timeout))
    , d(opt)
    , control(opt.host, opt.port, 10) {}

std::optional<fleet> create_jobs(session& s, const options& opt,
                                 const std::string& scenario) {
  fleet f;
  f.fresh = sample_processes(opt.server_pids);
  f.jobs.resize(opt.jobs);
  for (std::size_t i = 0; i < opt.jobs; ++i) {
    auto err = s.d.create(s.control, f.jobs[i], i + 1);
    if (!err.empty()) {
      emit_error(opt, "job " + std::to_string(i + 1) + ": " + err, scenario);
      return std::nullopt;
    }
  }
  return f;
}

void add_job_memory(json_line& line, const fleet& f,
                    const proc_sample& before) {
  line.add("server_rss_fresh_kb", f.fresh.rss_kb)
      .add("rss_per_job_kb",
           f.jobs.empty()
               ? 0.0
               : static_cast<double>(before.rss_kb - f.fresh.rss_kb) /
                     static_cast<double>(f.jobs.size()));
}

void add_optional(json_line& line, const std::string& key,
                  const std::optional<std::int64_t>& value) {
  if (value)
    line.add(key, *value);
  else
    line.add_null(key);
}

} // namespace bench
