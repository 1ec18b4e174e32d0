#include "common.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/resource.h>
#include <unistd.h>

namespace bench {

namespace json = boost::json;

namespace {

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "jobcast_loadgen: " << why << "\n"
            << R"(usage: jobcast_loadgen --mode=MODE [--flag=value ...]
modes:
  fanout     N subscribers to one job/channel, M events published, every
             delivery checked and timed (the default)
  churn      K subscribe / read first bytes / disconnect cycles
  replay     M events into a finished job (nchan: a channel and an end
             marker), then N viewers at once read all of it to the end
  manyjobs   J jobs x V viewers, every job publishing R events/s for D s
             from P paced keep-alive publisher connections
  idle       J quiet jobs x V SSE viewers held for S s: memory and CPU
  burst      one job, V viewers, K publisher connections flat out, L lines
             (events) per request
  report     side-by-side markdown of JSON lines (--input=FILE, repeatable)
  free-port  print a free TCP port on 127.0.0.1 and exit
  probe      create a job/channel, publish one event, print what came back
common flags:
  --server=jobcast|nchan  --host=127.0.0.1  --port=N  --server-pid=PID[,PID]
  --transport=chunked|sse|ws  --timeout=S (whole run)  --threads=T
  --concurrency=C (connection attempts in flight)  --label=TEXT
  --json-out=FILE (append the JSON line)  --channel=ID (nchan)
  --kind=KIND (jobcast job kind; default external)
  --name=TEXT ("server" in the JSON line; default the --server value)
fanout:  --subscribers=N --events=M --rate=R (events/s, 0 = flat out)
replay:  --subscribers=N (viewers) --events=M --event-bytes=B --read-buffer
         --event-bytes=B --connect-timeout=S --settle=S --drain=S
         --end-wait=S --read-buffer=BYTES
churn:   --cycles=K --warmup=W (cycles before "before", default 2000)
         --prefill=P --cycle-timeout=S --zero-wait=S
manyjobs: --jobs=J (1000) --viewers=V (10 per job) --job-rate=R (5/s)
         --duration=D (30 s) --publishers=P (50) --drain=S
idle:    --jobs=J (1000) --viewers=V (per job) --hold=S (30)
         --heartbeat=S (the servers' interval, for the line)
burst:   --events=M --subscribers=V --in-flight=K (connections) --lines=L
report:  --input=FILE ... [--markdown-out=FILE] [--pair=A,B (default
         jobcast,nchan: the "server" values side by side, ratio A/B)]
)";
  std::exit(2);
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in{text};
  while (std::getline(in, item, sep))
    if (!item.empty())
      out.push_back(item);
  return out;
}

template <class T> T number(const std::string& key, const std::string& value) {
  char* end = nullptr;
  double d = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !std::isfinite(d) || d < 0)
    usage("bad number for --" + key + ": " + value);
  return static_cast<T>(d);
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

options parse_options(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help")
      usage("help");
    if (arg.rfind("--", 0) != 0)
      usage("unexpected argument " + arg);
    auto eq = arg.find('=');
    if (eq == std::string::npos)
      usage("flags take a value: --key=value, not " + arg);
    auto key = arg.substr(2, eq - 2);
    auto value = arg.substr(eq + 1);
    if (key == "mode")
      opt.mode = value;
    else if (key == "server")
      opt.server = value;
    else if (key == "host")
      opt.host = value;
    else if (key == "port")
      opt.port = number<std::uint16_t>(key, value);
    else if (key == "transport")
      opt.transport = value;
    else if (key == "subscribers")
      opt.subscribers = number<std::size_t>(key, value);
    else if (key == "events")
      opt.events = number<std::size_t>(key, value);
    else if (key == "rate")
      opt.rate = number<double>(key, value);
    else if (key == "event-bytes")
      opt.event_bytes = number<std::size_t>(key, value);
    else if (key == "server-pid")
      for (auto& p : split(value, ','))
        opt.server_pids.push_back(number<int>(key, p));
    else if (key == "timeout")
      opt.timeout = number<double>(key, value);
    else if (key == "connect-timeout")
      opt.connect_timeout = number<double>(key, value);
    else if (key == "drain")
      opt.drain = number<double>(key, value);
    else if (key == "settle")
      opt.settle = number<double>(key, value);
    else if (key == "end-wait")
      opt.end_wait = number<double>(key, value);
    else if (key == "concurrency")
      opt.concurrency =
          std::max<std::size_t>(1, number<std::size_t>(key, value));
    else if (key == "threads")
      opt.threads = std::max<std::size_t>(1, number<std::size_t>(key, value));
    else if (key == "read-buffer")
      opt.read_buffer =
          std::max<std::size_t>(64, number<std::size_t>(key, value));
    else if (key == "cycles")
      opt.cycles = number<std::size_t>(key, value);
    else if (key == "prefill")
      opt.prefill = number<std::size_t>(key, value);
    else if (key == "warmup")
      opt.warmup = number<std::size_t>(key, value);
    else if (key == "cycle-timeout")
      opt.cycle_timeout = number<double>(key, value);
    else if (key == "zero-wait")
      opt.zero_wait = number<double>(key, value);
    else if (key == "channel")
      opt.channel = value;
    else if (key == "label")
      opt.label = value;
    else if (key == "json-out")
      opt.json_out = value;
    else if (key == "input")
      for (auto& p : split(value, ','))
        opt.inputs.push_back(p);
    else if (key == "markdown-out")
      opt.markdown_out = value;
    else if (key == "kind")
      opt.kind = value;
    else if (key == "name")
      opt.name = value;
    else if (key == "jobs")
      opt.jobs = std::max<std::size_t>(1, number<std::size_t>(key, value));
    else if (key == "viewers")
      opt.viewers = number<std::size_t>(key, value);
    else if (key == "job-rate")
      opt.job_rate = number<double>(key, value);
    else if (key == "duration")
      opt.duration = number<double>(key, value);
    else if (key == "publishers")
      opt.publishers =
          std::max<std::size_t>(1, number<std::size_t>(key, value));
    else if (key == "hold")
      opt.hold = number<double>(key, value);
    else if (key == "heartbeat")
      opt.heartbeat = number<double>(key, value);
    else if (key == "in-flight")
      opt.in_flight = std::max<std::size_t>(1, number<std::size_t>(key, value));
    else if (key == "lines")
      opt.lines = std::max<std::size_t>(1, number<std::size_t>(key, value));
    else if (key == "pair") {
      auto names = split(value, ',');
      if (names.size() != 2)
        usage("--pair takes two names: A,B");
      opt.pair_a = names[0];
      opt.pair_b = names[1];
    } else
      usage("unknown flag --" + key);
  }
  if (opt.server != "jobcast" && opt.server != "nchan")
    usage("--server must be jobcast or nchan");
  if (opt.transport != "chunked" && opt.transport != "sse" &&
      opt.transport != "ws")
    usage("--transport must be chunked, sse or ws");
  if (opt.host != "127.0.0.1" && opt.host != "localhost")
    usage("this harness only talks to 127.0.0.1");
  opt.host = "127.0.0.1";
  if (opt.threads > 8)
    usage("--threads: at most 8 (the machine has 2 cores)");
  if (opt.events > 1'000'000 || opt.subscribers > 1'000'000 ||
      opt.cycles > 10'000'000 || opt.jobs > 100'000 ||
      opt.jobs * opt.viewers > 1'000'000 || opt.publishers > 256 ||
      opt.in_flight > 256 || opt.lines > 10'000)
    usage("sizes are capped (events 1e6, subscribers 1e6, cycles 1e7, jobs "
          "1e5, jobs x viewers 1e6, publishers and in-flight 256, lines 1e4)");
  if (opt.timeout <= 0)
    usage("--timeout must be positive");
  return opt;
}

proc_sample sample_processes(const std::vector<int>& pids) {
  proc_sample s;
  if (pids.empty())
    return s;
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  s.ok = true;
  for (int pid : pids) {
    auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    if (stat.empty() || close == std::string::npos) {
      s.ok = false;
      continue;
    }
    std::istringstream in{stat.substr(close + 2)};
    std::vector<std::string> fields;
    std::string f;
    while (in >> f)
      fields.push_back(f);
    // After "pid (comm) ", fields[0] is field 3 (state): utime is field 14,
    // stime field 15.
    if (fields.size() > 12)
      s.cpu_seconds += (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
    // Nanosecond CPU time per thread (the first field of schedstat).
    auto task_dir = "/proc/" + std::to_string(pid) + "/task";
    if (DIR* dir = opendir(task_dir.c_str())) {
      while (dirent* entry = readdir(dir)) {
        if (entry->d_name[0] == '.')
          continue;
        std::istringstream sched{
            read_file(task_dir + "/" + entry->d_name + "/schedstat")};
        double ns = 0;
        if (sched >> ns)
          s.sched_cpu_seconds += ns / 1e9;
      }
      closedir(dir);
    }
    auto status = read_file("/proc/" + std::to_string(pid) + "/status");
    std::istringstream lines{status};
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("VmRSS:", 0) == 0)
        s.rss_kb += std::atoll(line.c_str() + 6);
      else if (line.rfind("VmHWM:", 0) == 0)
        s.hwm_kb += std::atoll(line.c_str() + 6);
    }
  }
  return s;
}

double load_average() {
  std::ifstream in{"/proc/loadavg"};
  double load = -1;
  if (!(in >> load))
    return -1;
  return load;
}

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

std::uint64_t fd_limit_of(int pid) {
  std::istringstream lines{
      read_file("/proc/" + std::to_string(pid) + "/limits")};
  std::string line;
  while (std::getline(lines, line))
    if (line.rfind("Max open files", 0) == 0)
      return std::strtoull(line.c_str() + 14, nullptr, 10);
  return 0;
}

std::uint64_t raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return 0;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur;
}

// -- http_client
// ---------------------------------------------------------------

http_client::http_client(std::string host, std::uint16_t port, double timeout_s)
    : host_(std::move(host))
    , port_(port)
    , timeout_s_(timeout_s) {}

http_result http_client::request(http::verb verb, const std::string& target,
                                 const std::string& body,
                                 const header_list& headers) {
  auto first = attempt(verb, target, body, headers);
  if (first.status != 0)
    return first;
  // The connection may have been closed by the server while idle.
  stream_.reset();
  return attempt(verb, target, body, headers);
}

http_result http_client::attempt(http::verb verb, const std::string& target,
                                 const std::string& body,
                                 const header_list& headers) {
  http_result result;
  beast::error_code ec;
  auto deadline =
      std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s_ * 1000));
  ioc_.restart();
  if (!stream_) {
    stream_.emplace(ioc_);
    buffer_.clear();
    stream_->expires_after(deadline);
    stream_->async_connect(tcp::endpoint{asio::ip::make_address(host_), port_},
                           [&](beast::error_code e) { ec = e; });
    ioc_.run();
    ioc_.restart();
    if (ec) {
      result.error = "connect: " + ec.message();
      stream_.reset();
      return result;
    }
    stream_->socket().set_option(tcp::no_delay{true});
  }
  auto req = make_request(host_, port_, {verb, target, body, headers});
  http::response<http::string_body> res;
  stream_->expires_after(deadline);
  http::async_write(*stream_, req, [&](beast::error_code e, std::size_t) {
    ec = e;
    if (e)
      return;
    http::async_read(*stream_, buffer_, res,
                     [&](beast::error_code e2, std::size_t) { ec = e2; });
  });
  ioc_.run();
  if (ec) {
    result.error = ec.message();
    stream_.reset();
    return result;
  }
  result.status = static_cast<int>(res.result_int());
  result.body = std::move(res.body());
  if (!res.keep_alive())
    stream_.reset();
  return result;
}

http::request<http::string_body>
make_request(const std::string& host, std::uint16_t port, const outgoing& out) {
  http::request<http::string_body> req{out.verb, out.target, 11};
  req.set(http::field::host, host + ":" + std::to_string(port));
  req.set(http::field::user_agent, "jobcast_loadgen");
  for (auto& [name, value] : out.headers)
    req.set(name, value);
  if (out.verb == http::verb::post || out.verb == http::verb::put ||
      !out.body.empty()) {
    req.body() = out.body;
    req.prepare_payload();
  }
  return req;
}

http_result http_once(const std::string& host, std::uint16_t port,
                      http::verb verb, const std::string& target,
                      const std::string& body, const header_list& headers,
                      double timeout_s) {
  http_client client{host, port, timeout_s};
  return client.request(verb, target, body, headers);
}

// -- dialect
// -------------------------------------------------------------------

dialect::dialect(const options& opt)
    : opt_(opt) {}

std::string dialect::create(http_client& client) {
  if (opt_.server == "nchan" && !opt_.channel.empty()) {
    own_.id = opt_.channel;
    return {};
  }
  return create(client, own_, 0);
}

std::string dialect::create(http_client& client, job_ref& job,
                            std::size_t index) const {
  if (opt_.server == "nchan") {
    // Unique per run (channels outlive nothing: nginx starts fresh), with
    // the index for the many-job modes; \w+ only, as the config wants.
    static const auto run = "bench" + std::to_string(getpid()) + "x" +
                            std::to_string(now_ns() % 1000000007);
    job.id = index ? run + "j" + std::to_string(index) : run;
    return {};
  }
  json::object spec;
  spec["kind"] = opt_.kind;
  if (opt_.kind == "external")
    spec["title"] = "bench";
  auto res =
      client.request(http::verb::post, "/api/jobs", json::serialize(spec),
                     {{"Content-Type", "application/json"}});
  if (res.status != 201 && res.status != 200)
    return "POST /api/jobs: " +
           (res.status ? std::to_string(res.status) + " " + res.body
                       : res.error);
  boost::system::error_code ec;
  auto value = json::parse(res.body, ec);
  if (ec || !value.is_object())
    return "POST /api/jobs: not a JSON object: " + res.body;
  auto& obj = value.as_object();
  if (auto* id = obj.if_contains("id")) {
    if (id->is_int64())
      job.id = std::to_string(id->as_int64());
    else if (id->is_uint64())
      job.id = std::to_string(id->as_uint64());
    else if (id->is_string())
      job.id = std::string{id->as_string()};
  }
  if (auto* token = obj.if_contains("token"); token && token->is_string())
    job.token = std::string{token->as_string()};
  if (job.id.empty())
    return "POST /api/jobs: no \"id\" in " + res.body;
  if (job.token.empty() && opt_.kind == "external")
    return "POST /api/jobs: no \"token\" in " + res.body;
  return {};
}

http_result dialect::publish(http_client& client, const std::string& text,
                             double progress) {
  auto out = publish_request(own_, {text}, progress);
  return client.request(out.verb, out.target, out.body, out.headers);
}

outgoing dialect::publish_request(const job_ref& job,
                                  const std::vector<std::string>& texts,
                                  double progress) const {
  outgoing out;
  out.verb = http::verb::post;
  if (opt_.server == "nchan" || texts.size() != 1) {
    for (std::size_t i = 0; i < texts.size(); ++i)
      out.body += (i ? "\n" : "") + texts[i];
    out.headers = {{"Content-Type", "text/plain"}};
  } else {
    json::object ev;
    ev["text"] = texts.front();
    if (progress >= 0)
      ev["progress"] = progress;
    out.body = json::serialize(ev);
    out.headers = {{"Content-Type", "application/json"}};
  }
  if (opt_.server == "nchan") {
    out.target = "/pub/" + job.id;
    return out;
  }
  // jobcast: a text/plain body is one event per line; a last newline adds
  // none.
  if (texts.size() != 1)
    out.body += '\n';
  out.target = "/api/jobs/" + job.id + "/events";
  out.headers.emplace_back("Authorization", "Bearer " + job.token);
  return out;
}

http_result dialect::finish(http_client& client) {
  if (opt_.server == "nchan")
    return client.request(http::verb::delete_, "/pub/" + own_.id);
  return client.request(http::verb::post, "/api/jobs/" + own_.id + "/finish",
                        R"({"state":"succeeded"})",
                        {{"Content-Type", "application/json"},
                         {"Authorization", "Bearer " + own_.token}});
}

std::string dialect::subscribe_request(const job_ref& job) const {
  std::string path;
  if (opt_.server == "nchan")
    path = "/sub/" + opt_.transport + "/" + job.id;
  else if (opt_.transport == "chunked")
    path = "/view-progress/" + job.id;
  else if (opt_.transport == "sse")
    path = "/jobs/" + job.id + "/events";
  else
    path = "/jobs/" + job.id + "/ws";
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + opt_.host + ":" +
                    std::to_string(opt_.port) +
                    "\r\nUser-Agent: jobcast_loadgen\r\n";
  if (opt_.transport == "chunked")
    // nchan's http-chunked subscriber wants TE: chunked.
    req += "Accept: text/plain\r\nTE: chunked\r\nConnection: TE, close\r\n";
  else if (opt_.transport == "sse")
    req += "Accept: text/event-stream\r\nCache-Control: no-cache\r\n"
           "Connection: close\r\n";
  else
    req += "Upgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Version: 13\r\n";
  req += "\r\n";
  return req;
}

int dialect::expected_status() const {
  return opt_.transport == "ws" ? 101 : 200;
}

std::map<std::string, double> dialect::server_gauges() const {
  std::map<std::string, double> out;
  bool nchan = opt_.server == "nchan";
  auto res = http_once(opt_.host, opt_.port, http::verb::get,
                       nchan ? "/nchan_status" : "/metrics", {}, {}, 5);
  if (res.status != 200)
    return out;
  std::istringstream lines{res.body};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    auto sep = nchan ? line.rfind(':') : line.rfind(' ');
    if (sep == std::string::npos)
      continue;
    auto name = line.substr(0, sep);
    char* end = nullptr;
    auto text = line.substr(sep + 1);
    double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str())
      out[name] = v;
  }
  return out;
}

std::optional<std::int64_t> dialect::history_length(http_client& client) const {
  if (opt_.server == "nchan") {
    auto gauges = server_gauges();
    auto it = gauges.find("stored messages");
    if (it == gauges.end())
      return std::nullopt;
    return static_cast<std::int64_t>(it->second);
  }
  auto res = client.request(http::verb::get, "/api/jobs/" + own_.id);
  boost::system::error_code ec;
  auto value = json::parse(res.body, ec);
  if (res.status != 200 || ec || !value.is_object())
    return std::nullopt;
  auto* events = value.as_object().if_contains("events");
  if (!events || !events->is_number())
    return std::nullopt;
  return events->to_number<std::int64_t>();
}

std::optional<std::int64_t> dialect::server_subscribers() const {
  auto gauges = server_gauges();
  auto it = gauges.find(opt_.server == "nchan" ? "subscribers"
                                               : "jobcast_subscriber_actors");
  if (it == gauges.end())
    return std::nullopt;
  return static_cast<std::int64_t>(it->second);
}

double percentile(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty())
    return 0;
  auto rank = static_cast<std::size_t>(
      std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  if (rank > 0)
    --rank;
  return static_cast<double>(sorted[std::min(rank, sorted.size() - 1)]);
}

std::string json_quote(const std::string& text) {
  return json::serialize(json::string{text});
}

void json_line::put(const std::string& key, const std::string& json,
                    const std::string& readable) {
  if (!body_.empty())
    body_ += ',';
  body_ += json_quote(key) + ':' + json;
  rows_.emplace_back(key, readable);
}

json_line& json_line::add(const std::string& key, double value) {
  auto text = json_number(value);
  put(key, text, text);
  return *this;
}

json_line& json_line::add(const std::string& key, std::int64_t value) {
  put(key, std::to_string(value), std::to_string(value));
  return *this;
}

json_line& json_line::add(const std::string& key, const std::string& value) {
  put(key, json_quote(value), value);
  return *this;
}

json_line& json_line::add_null(const std::string& key) {
  put(key, "null", "-");
  return *this;
}

json_line& json_line::add_raw(const std::string& key, const std::string& json) {
  put(key, json, json);
  return *this;
}

std::string json_number(double value) {
  if (!std::isfinite(value))
    return "null";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", value);
  return buf;
}

} // namespace bench
