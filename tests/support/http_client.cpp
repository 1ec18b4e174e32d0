#include "support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>

namespace jobcast::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

asio::io_context& ioc() {
  static asio::io_context instance;
  return instance;
}

void set_timeout(tcp::socket& sock, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<long>(timeout.count() / 1000);
  tv.tv_usec = static_cast<long>((timeout.count() % 1000) * 1000);
  setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

tcp::socket connect(std::uint16_t port) {
  tcp::socket sock{ioc()};
  sock.connect({asio::ip::make_address("127.0.0.1"), port});
  set_timeout(sock, 10s);
  return sock;
}

http::request<http::string_body> make_request(const std::string& method,
                                              const std::string& target,
                                              const header_list& headers,
                                              const std::string& body) {
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1");
  for (auto& [name, value] : headers)
    req.set(name, value);
  if (!body.empty() || method == "POST" || method == "PUT") {
    req.body() = body;
    req.prepare_payload();
  }
  return req;
}

template <class Fields>
void copy_headers(const Fields& fields,
                  std::map<std::string, std::string>& out) {
  for (auto& field : fields) {
    std::string name{field.name_string()};
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out[name] = std::string{field.value()};
  }
}

response read_response(tcp::socket& sock, beast::flat_buffer& buf, bool head) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  parser.skip(head);
  http::read(sock, buf, parser);
  auto msg = parser.release();
  response result;
  result.status = msg.result_int();
  copy_headers(msg, result.headers);
  result.body = std::move(msg.body());
  return result;
}

} // namespace

std::string response::header(const std::string& name) const {
  auto i = headers.find(name);
  return i == headers.end() ? std::string{} : i->second;
}

response request(std::uint16_t port, const std::string& method,
                 const std::string& target, const header_list& headers,
                 const std::string& body) {
  auto sock = connect(port);
  auto req = make_request(method, target, headers, body);
  req.keep_alive(false);
  http::write(sock, req);
  beast::flat_buffer buf;
  return read_response(sock, buf, method == "HEAD");
}

std::string raw_exchange(std::uint16_t port, const std::string& raw,
                         std::chrono::milliseconds timeout) {
  auto sock = connect(port);
  set_timeout(sock, timeout);
  asio::write(sock, asio::buffer(raw));
  std::string result;
  char data[4096];
  for (;;) {
    boost::system::error_code ec;
    auto n = sock.read_some(asio::buffer(data), ec);
    if (ec)
      break;
    result.append(data, n);
  }
  return result;
}

double metric(std::uint16_t port, const std::string& name) {
  auto res = request(port, "GET", "/metrics");
  std::istringstream in{res.body};
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, name.size(), name) == 0 && line.size() > name.size() &&
        line[name.size()] == ' ')
      return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

// -- connection
// ----------------------------------------------------------------

struct connection::impl {
  tcp::socket sock;
  beast::flat_buffer buf;
};

connection::connection(std::uint16_t port)
    : impl_(new impl{connect(port), {}}) {}

connection::~connection() = default;

response connection::send(const std::string& method, const std::string& target,
                          const header_list& headers, const std::string& body) {
  auto req = make_request(method, target, headers, body);
  http::write(impl_->sock, req);
  return read_response(impl_->sock, impl_->buf, method == "HEAD");
}

bool connection::closed_by_peer(std::chrono::milliseconds wait) {
  set_timeout(impl_->sock, wait);
  char c;
  boost::system::error_code ec;
  impl_->sock.read_some(asio::buffer(&c, 1), ec);
  return ec == asio::error::eof || ec == asio::error::connection_reset;
}

// -- stream
// --------------------------------------------------------------------

struct stream::impl {
  tcp::socket sock;
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  std::deque<std::string> chunks;
  std::string partial;
  std::uint64_t remaining = 0;
  bool ended = false;
  // The parser keeps references to these.
  std::function<void(std::uint64_t, beast::string_view, beast::error_code&)>
      on_header;
  std::function<std::size_t(std::uint64_t, beast::string_view,
                            beast::error_code&)>
      on_body;
};

stream::stream(std::uint16_t port, const std::string& target,
               const header_list& headers)
    : impl_(new impl{connect(port), {}, {}, {}, {}, 0, false, {}, {}}) {
  auto req = make_request("GET", target, headers, {});
  http::write(impl_->sock, req);
  auto& p = impl_->parser;
  p.body_limit(64 * 1024 * 1024);
  impl_->on_header = [this](std::uint64_t size, beast::string_view,
                            beast::error_code&) { impl_->remaining = size; };
  impl_->on_body = [this](std::uint64_t, beast::string_view body,
                          beast::error_code&) {
    impl_->partial.append(body.data(), body.size());
    impl_->remaining -= body.size();
    if (impl_->remaining == 0) {
      impl_->chunks.push_back(std::move(impl_->partial));
      impl_->partial.clear();
    }
    return body.size();
  };
  p.on_chunk_header(impl_->on_header);
  p.on_chunk_body(impl_->on_body);
  http::read_header(impl_->sock, impl_->buf, p);
}

stream::~stream() = default;

unsigned stream::status() const {
  return impl_->parser.get().result_int();
}

std::string stream::header(const std::string& name) const {
  auto& msg = impl_->parser.get();
  auto i = msg.find(name);
  return i == msg.end() ? std::string{} : std::string{i->value()};
}

std::string stream::body() {
  if (!impl_->parser.is_done())
    http::read(impl_->sock, impl_->buf, impl_->parser);
  return impl_->parser.get().body();
}

std::optional<std::string>
stream::next_chunk(std::chrono::milliseconds timeout) {
  set_timeout(impl_->sock, timeout);
  while (impl_->chunks.empty()) {
    if (impl_->parser.is_done())
      return std::nullopt;
    beast::error_code ec;
    http::read_some(impl_->sock, impl_->buf, impl_->parser, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again)
      throw std::runtime_error("timed out waiting for a chunk");
    if (ec)
      throw std::runtime_error("stream read failed: " + ec.message());
  }
  auto result = std::move(impl_->chunks.front());
  impl_->chunks.pop_front();
  return result;
}

std::vector<std::string> stream::rest(std::chrono::milliseconds timeout) {
  std::vector<std::string> result;
  while (auto chunk = next_chunk(timeout))
    result.push_back(std::move(*chunk));
  return result;
}

void stream::abandon() {
  boost::system::error_code ignored;
  impl_->sock.close(ignored);
}

// -- sse_reader
// ----------------------------------------------------------------

std::optional<sse_event> sse_reader::next(std::chrono::milliseconds timeout) {
  for (;;) {
    auto end = pending_.find("\n\n");
    while (end == std::string::npos) {
      auto chunk = s_.next_chunk(timeout);
      if (!chunk)
        return std::nullopt;
      pending_ += *chunk;
      end = pending_.find("\n\n");
    }
    auto block = pending_.substr(0, end + 1);
    pending_.erase(0, end + 2);
    sse_event ev;
    bool any = false;
    std::istringstream in{block};
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty())
        continue;
      if (line[0] == ':') {
        ++comments;
        continue;
      }
      auto colon = line.find(':');
      auto field = line.substr(0, colon);
      auto value =
          colon == std::string::npos ? std::string{} : line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ')
        value.erase(0, 1);
      if (field == "retry") {
        retry = value;
      } else if (field == "id") {
        ev.id = value;
        any = true;
      } else if (field == "event") {
        ev.type = value;
        any = true;
      } else if (field == "data") {
        ev.data += value;
        any = true;
      }
    }
    if (any)
      return ev;
  }
}

std::uint64_t sse_event::seq() const {
  auto dash = id.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == id.size() ||
      id.find_first_not_of("0123456789", dash + 1) != std::string::npos)
    throw std::runtime_error("not an <epoch>-<seq> event id: " + id);
  return std::stoull(id.substr(dash + 1));
}

std::string sse_event::epoch() const {
  seq(); // Checks the shape.
  return id.substr(0, id.find('-'));
}

std::vector<sse_event> sse_reader::rest(std::chrono::milliseconds timeout) {
  std::vector<sse_event> result;
  while (auto ev = next(timeout))
    result.push_back(std::move(*ev));
  return result;
}

// -- ws_client
// -----------------------------------------------------------------

struct ws_client::impl {
  beast::websocket::stream<tcp::socket> ws;
  beast::flat_buffer buf;
};

ws_client::ws_client(std::uint16_t port, const std::string& target)
    : impl_(
          new impl{beast::websocket::stream<tcp::socket>{connect(port)}, {}}) {
  impl_->ws.handshake("127.0.0.1", target);
}

ws_client::~ws_client() = default;

std::optional<std::string> ws_client::read(std::chrono::milliseconds timeout) {
  set_timeout(impl_->ws.next_layer(), timeout);
  beast::error_code ec;
  impl_->buf.consume(impl_->buf.size());
  impl_->ws.read(impl_->buf, ec);
  if (ec == beast::websocket::error::closed)
    return std::nullopt;
  if (ec == asio::error::would_block || ec == asio::error::try_again)
    throw std::runtime_error("timed out waiting for a frame");
  if (ec)
    throw std::runtime_error("websocket read failed: " + ec.message());
  return beast::buffers_to_string(impl_->buf.data());
}

void ws_client::send_text(const std::string& text) {
  impl_->ws.text(true);
  impl_->ws.write(asio::buffer(text));
}

void ws_client::send_binary(const std::string& bytes) {
  impl_->ws.binary(true);
  impl_->ws.write(asio::buffer(bytes));
}

int ws_client::close_code() const {
  return static_cast<int>(impl_->ws.reason().code);
}

std::string ws_client::close_reason() const {
  return std::string{impl_->ws.reason().reason.c_str()};
}

response ws_refusal(std::uint16_t port, const std::string& target) {
  beast::websocket::stream<tcp::socket> ws{connect(port)};
  beast::websocket::response_type res;
  beast::error_code ec;
  ws.handshake(res, "127.0.0.1", target, ec);
  response result;
  result.status = res.result_int();
  copy_headers(res, result.headers);
  result.body = res.body();
  return result;
}

} // namespace jobcast::test
