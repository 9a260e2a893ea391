// HttpServer: an accept loop that keeps at most max_connections open, one coroutine per
// connection (on a single-threaded io_context of its own thread, or on a strand), one deadline
// per connection watched by one timer, a fresh parser per request, and a graceful shutdown
// that lets requests in flight finish.
#include "http/server.h"

#include <openssl/crypto.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <cstring>
#include <string_view>

namespace keypaird::http {

namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kFirstReadBytes = 4096;
constexpr std::size_t kReadAheadBytes = 64 * 1024;  // what the buffer holds beyond a header
// Bodies up to this size are copied behind the header and written with one call; larger ones are
// written in place. The reused output buffer so stays small whatever the answers' size.
constexpr std::size_t kCopiedBodyBytes = 16 * 1024;

// Lays the response out as one contiguous block and writes it with a single call. Beast's
// own serializer walks a long chain of small buffers (one per field piece); for the small
// answers this service gives, copying once into a reused string is several times cheaper.
// For HEAD only the header goes out, with the length the body would have.
asio::awaitable<boost::system::error_code> write_response(tcp::socket& stream, Response& response,
                                                          bool head, std::string& out) {
  response.content_length(response.body().size());
  const std::string& body = response.body();
  const bool copy_body = !head && body.size() <= kCopiedBodyBytes;
  // Sized once, then filled: no growth while a (possibly secret) body is copied in.
  unsigned status = response.result_int();
  auto reason = response.reason();
  std::size_t size = 9 + 3 + 1 + reason.size() + 2 + 2 + (copy_body ? body.size() : 0);
  for (const auto& field : response.base())
    size += field.name_string().size() + 2 + field.value().size() + 2;
  out.resize(size);
  char* at = out.data();
  auto put = [&at](std::string_view text) {
    std::memcpy(at, text.data(), text.size());
    at += text.size();
  };
  put("HTTP/1.1 ");
  const char code[3] = {static_cast<char>('0' + status / 100 % 10),
                        static_cast<char>('0' + status / 10 % 10),
                        static_cast<char>('0' + status % 10)};
  put(std::string_view(code, 3));
  put(" ");
  put(std::string_view(reason.data(), reason.size()));
  put("\r\n");
  for (const auto& field : response.base()) {
    auto name = field.name_string();
    auto value = field.value();
    put(std::string_view(name.data(), name.size()));
    put(": ");
    put(std::string_view(value.data(), value.size()));
    put("\r\n");
  }
  put("\r\n");
  if (head || copy_body) {
    if (copy_body) put(body);
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), use_tuple);
    co_return ec;
  }
  // A large body (a long list) goes out from where it is: one copy of an answer per connection.
  std::array<asio::const_buffer, 2> pieces{asio::buffer(out), asio::buffer(body)};
  auto [ec, n] = co_await asio::async_write(stream, pieces, use_tuple);
  co_return ec;
}

// An answer holding a generated private key: leave no copy of it behind in freed memory.
void wipe(std::string& bytes) {
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}

// A syntax error from the parser, as opposed to the client closing or a timeout.
bool is_malformed(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

// After a header over the limit: was it the request line that made it too long? The parser
// consumes the request line as soon as it is complete, so a target in the message means the
// request line fitted.
template <typename Parser>
bool request_line_too_long(const Parser& parser, std::size_t url_limit) {
  auto target = parser.get().target();
  return target.empty() || target.size() > url_limit;
}

// RFC 9112 section 6: the only transfer coding keypaird reads is a single `chunked`, on HTTP/1.1,
// without a Content-Length beside it. Anything else leaves the body's length uncertain (a proxy
// in front may frame it differently), so the request is refused and the connection closed.
template <typename Message>
bool framing_is_ambiguous(const Message& message) {
  bool any = false;
  int codings = 0;
  bool only_chunked = true;
  auto [first, last] = message.base().equal_range(bhttp::field::transfer_encoding);
  for (auto field = first; field != last; ++field) {
    any = true;
    std::string_view list = field->value();
    bool element_seen = false;
    for (;;) {
      auto comma = list.find(',');
      std::string_view element = list.substr(0, comma);
      while (!element.empty() && (element.front() == ' ' || element.front() == '\t'))
        element.remove_prefix(1);
      while (!element.empty() && (element.back() == ' ' || element.back() == '\t'))
        element.remove_suffix(1);
      if (!element.empty()) {
        element_seen = true;
        ++codings;
        if (!beast::iequals(element, "chunked")) only_chunked = false;
      }
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
    if (!element_seen) only_chunked = false;  // an empty Transfer-Encoding field
  }
  if (!any) return false;
  if (message.version() < 11) return true;
  if (message.find(bhttp::field::content_length) != message.end()) return true;
  return !(only_chunked && codings == 1);
}

// After an answer that closes the connection: the client may still be sending what we refused.
// Closing at once would reset the connection and destroy our answer in flight, so stop
// sending, then read and discard for a bounded time and amount.
template <typename Connection>
asio::awaitable<void> linger(tcp::socket& stream, Connection& connection) {
  boost::system::error_code ignored;
  stream.shutdown(tcp::socket::shutdown_send, ignored);
  connection.expire_after(std::chrono::seconds(2));
  std::array<char, 16 * 1024> sink;
  std::size_t discarded = 0;
  while (discarded < 16 * 1024 * 1024) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
    if (ec) break;
    discarded += n;
  }
}

// The server's own answer to a request it will not hand on; the connection closes after it.
template <typename Connection>
asio::awaitable<void> refuse(tcp::socket& stream, Connection& connection, bhttp::status status,
                             std::chrono::seconds timeout) {
  Response response{status, 11};
  response.set(bhttp::field::content_type, "text/plain; charset=UTF-8");
  response.body() = std::string(bhttp::obsolete_reason(status)) + "\n";
  response.keep_alive(false);
  connection.expire_after(timeout);
  std::string output;
  auto ec = co_await write_response(stream, response, false, output);
  if (!ec) co_await linger(stream, connection);
}

}  // namespace

void HttpServer::Connection::expire_at(Clock::time_point when) {
  deadline = when;
  // The watchdog wakes at watchdog_expiry and then waits for the deadline: only a deadline
  // before that expiry needs the timer moved (rare: see longest_wait).
  if (when < watchdog_expiry) {
    if (auto me = self.lock()) watch(me, Clock::now());
  }
}

void HttpServer::Connection::watch(const std::shared_ptr<Connection>& self, Clock::time_point now) {
  if (!self->socket) return;  // the connection has ended
  if (now >= self->deadline) {
    boost::system::error_code ignored;
    self->socket->close(ignored);  // what is pending on it fails, and the connection ends
    self->watchdog_expiry = Clock::time_point::max();
    return;
  }
  // Wake at the deadline, or earlier: a later deadline may then come before it.
  Clock::time_point expiry = self->deadline;
  if (expiry - now > self->longest_wait) expiry = now + self->longest_wait;
  self->watchdog_expiry = expiry;
  self->watchdog.expires_at(expiry);  // cancels the wait before, if any
  self->watchdog.async_wait([self](const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;  // moved or connection ended
    watch(self, Clock::now());
  });
}

HttpServer::HttpServer(asio::io_context& io, const std::string& host, std::uint16_t port,
                       ServerLimits limits, RequestHandler& handler,
                       std::vector<asio::io_context*> connection_contexts)
    : io_(io),
      connection_contexts_(std::move(connection_contexts)),
      accept_strand_(asio::make_strand(io)),
      acceptor_(accept_strand_),
      slot_freed_(accept_strand_),
      limits_(limits),
      handler_(handler) {
  tcp::endpoint endpoint{asio::ip::make_address(host), port};
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
}

asio::any_io_executor HttpServer::next_connection_executor() {
  if (connection_contexts_.empty()) return asio::make_strand(io_);
  asio::io_context* context = connection_contexts_[next_context_];
  next_context_ = (next_context_ + 1) % connection_contexts_.size();
  return context->get_executor();  // one thread runs it: the connection's handlers never overlap
}

void HttpServer::start() { asio::co_spawn(accept_strand_, accept_loop(), asio::detached); }

asio::awaitable<void> HttpServer::accept_loop() {
  for (;;) {
    // At the limit, stop accepting: new connections wait in the kernel's backlog until one of
    // ours ends, and the open ones keep being served.
    while (!stopping_ && connections_.size() >= limits_.max_connections) {
      slot_freed_.expires_at(asio::steady_timer::time_point::max());
      co_await slot_freed_.async_wait(use_tuple);
    }
    if (stopping_) co_return;
    auto [ec, socket] = co_await acceptor_.async_accept(next_connection_executor(), use_tuple);
    if (stopping_ || ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      // E.g. too many open files: keep serving the connections we have, retry shortly.
      asio::steady_timer pause(accept_strand_, std::chrono::milliseconds(50));
      co_await pause.async_wait(use_tuple);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    // The watchdog's longest wait: the shortest timeout (at least a second, never a spin).
    Connection::Clock::duration longest_wait = std::max<Connection::Clock::duration>(
        std::chrono::seconds(1), std::min(limits_.request_timeout, limits_.idle_timeout));
    auto connection = std::make_shared<Connection>(socket.get_executor(), longest_wait);
    connection->self = connection;
    connections_.insert(connection);
    active_ = connections_.size();
    asio::co_spawn(connection->executor, serve_connection(std::move(socket), connection),
                   asio::detached);
  }
}

void HttpServer::connection_closed(std::shared_ptr<Connection> connection) {
  connections_.erase(connection);
  active_ = connections_.size();
  slot_freed_.cancel();
}

asio::awaitable<void> HttpServer::serve_connection(tcp::socket socket,
                                                   std::shared_ptr<Connection> connection) {
  connection->socket = &socket;
  try {
    co_await run_connection(socket, *connection);
  } catch (const std::exception&) {
    // A handler bug must not take the server down; this connection just ends.
  }
  connection->socket = nullptr;
  connection->watchdog.cancel();  // its wait ends, and with it its share of the connection
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
  asio::post(accept_strand_, [this, connection] { connection_closed(connection); });
}

asio::awaitable<void> HttpServer::run_connection(tcp::socket& stream, Connection& connection) {
  beast::flat_buffer buffer(limits_.header_limit + kReadAheadBytes);
  std::string output;  // reused for every answer on this connection
  std::size_t served = 0;
  for (;;) {
    if (connection.stopping) co_return;
    if (buffer.size() == 0) {
      // Idle: wait for the first byte of the next request (shutdown may cancel this wait).
      connection.idle = true;
      connection.expire_after(limits_.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kFirstReadBytes), use_tuple);
      connection.idle = false;
      if (ec) co_return;
      buffer.commit(n);
    }
    // From the first byte on, the whole request must arrive within request_timeout: a client
    // trickling bytes holds nothing but this suspended coroutine, and only until then.
    connection.expire_after(limits_.request_timeout);
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.header_limit));
    parser.body_limit(limits_.body_limit);
    auto [header_ec, header_n] =
        co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
    // A Content-Length over the limit is reported as soon as the header is complete.
    bool declared_too_large = header_ec == bhttp::error::body_limit;
    if (header_ec == bhttp::error::header_limit || header_ec == bhttp::error::buffer_overflow) {
      co_await refuse(stream, connection,
                      request_line_too_long(parser, limits_.url_limit)
                          ? bhttp::status::uri_too_long
                          : bhttp::status::request_header_fields_too_large,
                      limits_.request_timeout);
      co_return;
    }
    if (header_ec && !declared_too_large) {
      if (is_malformed(header_ec))
        co_await refuse(stream, connection, bhttp::status::bad_request, limits_.request_timeout);
      co_return;  // otherwise closed or timed out
    }
    if (parser.get().target().size() > limits_.url_limit) {
      co_await refuse(stream, connection, bhttp::status::uri_too_long, limits_.request_timeout);
      co_return;
    }
    // The parser enforces its limit on what it holds unparsed at a time; the limit is on the
    // request line and fields together, whatever way they arrived.
    if (header_n > limits_.header_limit) {
      co_await refuse(stream, connection, bhttp::status::request_header_fields_too_large,
                      limits_.request_timeout);
      co_return;
    }
    if (framing_is_ambiguous(parser.get())) {
      co_await refuse(stream, connection, bhttp::status::bad_request, limits_.request_timeout);
      co_return;
    }

    IncomingRequest incoming;
    bool close_after = false;
    if (declared_too_large) {
      incoming.body_too_large = true;
      close_after = true;
    } else {
      auto [body_ec, body_n] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
      if (body_ec == bhttp::error::body_limit) {
        incoming.body_too_large = true;
        close_after = true;
      } else if (body_ec) {
        if (is_malformed(body_ec))
          co_await refuse(stream, connection, bhttp::status::bad_request, limits_.request_timeout);
        co_return;
      }
    }
    incoming.message = parser.release();
    if (incoming.body_too_large) incoming.message.body().clear();
    bool head = incoming.message.method() == bhttp::verb::head;
    ++served;
    // Pipelined and keep-alive requests are served one at a time, in order, and at most
    // max_requests_per_connection on one connection.
    bool keep_alive = incoming.message.keep_alive() && !close_after &&
                      served < limits_.max_requests_per_connection;
    unsigned version = incoming.message.version();

    // No timeout while the handler works (e.g. waits for a commit or a generated key).
    connection.expire_at(Connection::Clock::time_point::max());
    Response response;
    bool secret_answer = false;
    incoming.secret_answer = &secret_answer;
    try {
      response = co_await handler_.handle(std::move(incoming));
    } catch (const std::exception&) {
      response = Response{bhttp::status::internal_server_error, version};
      response.set(bhttp::field::content_type, "text/plain; charset=UTF-8");
      response.body() = "Internal Server Error\n";
      close_after = true;
    }
    if (connection.stopping) keep_alive = false;  // shutting down: this is the last answer
    response.version(version);
    response.keep_alive(keep_alive && !close_after);
    connection.expire_after(limits_.request_timeout);
    auto write_ec = co_await write_response(stream, response, head, output);
    if (secret_answer) {
      wipe(response.body());
      wipe(output);
    }
    if (write_ec) co_return;
    if (close_after) {
      co_await linger(stream, connection);
      co_return;
    }
    if (!keep_alive) co_return;
  }
}

void HttpServer::shutdown(std::chrono::milliseconds grace, std::function<void()> done) {
  // Spawned on the strand, so that every step of it runs there, as the registry requires.
  asio::co_spawn(accept_strand_, drain(grace),
                 [done = std::move(done)](std::exception_ptr) { done(); });
}

asio::awaitable<void> HttpServer::drain(std::chrono::milliseconds grace) {
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  slot_freed_.cancel();
  for (const auto& c : connections_) {
    asio::post(c->executor, [c] {
      c->stopping = true;
      boost::system::error_code ignored_cancel;
      if (c->idle && c->socket) c->socket->cancel(ignored_cancel);
    });
  }
  asio::steady_timer tick(accept_strand_);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (!connections_.empty() && std::chrono::steady_clock::now() < deadline) {
    tick.expires_after(std::chrono::milliseconds(20));
    co_await tick.async_wait(use_tuple);
  }
  // Past the grace period: close what is left. A handler still running finishes its work
  // (e.g. a commit) and then fails to write; give that a short, bounded time.
  for (const auto& c : connections_) {
    asio::post(c->executor, [c] {
      boost::system::error_code ignored_close;
      if (c->socket) c->socket->close(ignored_close);
    });
  }
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!connections_.empty() && std::chrono::steady_clock::now() < deadline) {
    tick.expires_after(std::chrono::milliseconds(20));
    co_await tick.async_wait(use_tuple);
  }
}

}  // namespace keypaird::http
