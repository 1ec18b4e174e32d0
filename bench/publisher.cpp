#include "publisher.hpp"

#include "scenario.hpp"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <memory>

namespace bench {

publish_plan paced_plan(std::size_t jobs, std::size_t events, double rate,
                        std::size_t connections) {
  publish_plan plan(std::max<std::size_t>(1, connections));
  auto period = rate > 0 ? 1e9 / rate : 0.0;
  for (auto& queue : plan)
    queue.reserve(events * (jobs / plan.size() + 1));
  for (std::size_t k = 0; k < events; ++k)
    for (std::size_t j = 0; j < jobs; ++j) {
      auto turn = static_cast<double>(k) +
                  static_cast<double>(j) / static_cast<double>(jobs);
      plan[j % plan.size()].push_back(
          {static_cast<std::int64_t>(turn * period),
           static_cast<std::uint32_t>(j),
           static_cast<std::uint64_t>(j * events + k), 1});
    }
  return plan;
}

publish_plan burst_plan(std::size_t requests, std::size_t lines,
                        std::size_t connections) {
  publish_plan plan(std::max<std::size_t>(1, connections));
  for (std::size_t c = 0; c < plan.size(); ++c)
    for (std::size_t r = 0; r < requests; ++r)
      plan[c].push_back({0, 0,
                         static_cast<std::uint64_t>((c * requests + r) * lines),
                         static_cast<std::uint32_t>(lines)});
  return plan;
}

namespace {

namespace beast = boost::beast;

/// One keep-alive connection and its queue.
struct connection {
  connection(asio::io_context& ioc, const std::vector<publish_item>& q)
      : stream(ioc)
      , timer(ioc)
      , queue(q) {}
  beast::tcp_stream stream;
  asio::steady_timer timer;
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  http::response<http::string_body> res;
  const std::vector<publish_item>& queue;
  std::size_t next = 0;
  bool open = false;
  std::int64_t sent_at = 0;
};

class publishers {
public:
  publishers(const options& opt, const dialect& d,
             const std::vector<job_ref>& jobs, clock::time_point deadline,
             publisher_stats& st)
      : opt_(opt)
      , d_(d)
      , jobs_(jobs)
      , deadline_(deadline)
      , st_(st)
      , endpoint_(asio::ip::make_address(opt.host), opt.port) {}

  void run(const publish_plan& plan) {
    std::vector<std::unique_ptr<connection>> conns;
    for (auto& queue : plan)
      conns.push_back(std::make_unique<connection>(ioc_, queue));
    st_.t_start = now_ns();
    for (auto& c : conns)
      next(*c);
    ioc_.run();
  }

private:
  /// Waits for the next request's due time, then sends it.
  void next(connection& c) {
    if (c.next >= c.queue.size())
      return;
    if (clock::now() >= deadline_) {
      st_.not_sent += c.queue.size() - c.next;
      c.next = c.queue.size();
      return;
    }
    auto wait = st_.t_start + c.queue[c.next].due_ns - now_ns();
    if (wait <= 0)
      return send(c);
    c.timer.expires_after(std::chrono::nanoseconds(wait));
    c.timer.async_wait([this, &c](error_code ec) {
      if (!ec)
        send(c);
    });
  }

  void send(connection& c) {
    if (!c.open) {
      c.stream.expires_after(std::chrono::seconds(10));
      c.stream.async_connect(endpoint_, [this, &c](error_code ec) {
        if (ec)
          return failed(c, "publish connect: " + short_error(ec));
        error_code ignored;
        c.stream.socket().set_option(tcp::no_delay{true}, ignored);
        c.open = true;
        send(c);
      });
      return;
    }
    auto& item = c.queue[c.next];
    std::vector<std::string> texts;
    for (std::uint32_t i = 0; i < item.lines; ++i)
      texts.push_back(event_text(item.first_seq + i, opt_.event_bytes));
    c.req = make_request(opt_.host, opt_.port,
                         d_.publish_request(jobs_[item.job], texts, -1));
    c.res = {};
    c.sent_at = now_ns();
    st_.lag.push_back(c.sent_at - (st_.t_start + item.due_ns));
    c.stream.expires_after(std::chrono::seconds(10));
    http::async_write(c.stream, c.req, [this, &c](error_code ec, std::size_t) {
      if (ec)
        return failed(c, "publish send: " + short_error(ec));
      http::async_read(c.stream, c.buffer, c.res,
                       [this, &c](error_code ec2, std::size_t) {
                         if (ec2)
                           return failed(c, "publish: " + short_error(ec2));
                         answered(c);
                       });
    });
  }

  void answered(connection& c) {
    auto t = now_ns();
    st_.latency.push_back(t - c.sent_at);
    st_.t_last = t;
    auto status = c.res.result_int();
    if (status < 200 || status >= 300) {
      ++st_.requests_failed;
      ++st_.errors["publish: status " + std::to_string(status)];
    } else {
      ++st_.requests_ok;
      st_.lines_ok += c.queue[c.next].lines;
    }
    if (!c.res.keep_alive())
      close(c);
    ++c.next;
    next(c);
  }

  /// The request is lost; the next one gets a new connection.
  void failed(connection& c, const std::string& why) {
    ++st_.requests_failed;
    ++st_.errors[why];
    st_.t_last = now_ns();
    close(c);
    ++c.next;
    next(c);
  }

  void close(connection& c) {
    error_code ignored;
    c.stream.socket().close(ignored);
    c.buffer.clear();
    c.open = false;
  }

  const options& opt_;
  const dialect& d_;
  const std::vector<job_ref>& jobs_;
  clock::time_point deadline_;
  publisher_stats& st_;
  tcp::endpoint endpoint_;
  asio::io_context ioc_{1};
};

} // namespace

publisher_stats run_publishers(const options& opt, const dialect& d,
                               const std::vector<job_ref>& jobs,
                               const publish_plan& plan,
                               clock::time_point deadline) {
  publisher_stats st;
  std::size_t total = 0;
  for (auto& queue : plan)
    total += queue.size();
  st.latency.reserve(total);
  st.lag.reserve(total);
  publishers{opt, d, jobs, deadline, st}.run(plan);
  return st;
}

void add_publish_latency(json_line& line, publisher_stats& st) {
  auto ms = [](double ns) { return ns / 1e6; };
  std::sort(st.latency.begin(), st.latency.end());
  line.add("publish_p50_ms", ms(percentile(st.latency, 50)))
      .add("publish_p99_ms", ms(percentile(st.latency, 99)))
      .add("publish_max_ms",
           ms(st.latency.empty() ? 0 : static_cast<double>(st.latency.back())));
}

} // namespace bench
