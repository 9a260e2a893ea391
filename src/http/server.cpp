// HttpServer: one coroutine per connection on a strand, a fresh parser per request.
#include "http/server.h"

#include <boost/asio/as_tuple.hpp>

namespace keypaird::http {

namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Lays the response out as one contiguous block and writes it with a single call. Beast's
// own serializer walks a long chain of small buffers (one per field piece); for the small
// answers this service gives, copying once into a reused string is several times cheaper.
// For HEAD only the header goes out, with the length the body would have.
asio::awaitable<boost::system::error_code> write_response(beast::tcp_stream& stream,
                                                          Response& response, bool head,
                                                          std::string& out) {
  response.content_length(response.body().size());
  out.clear();
  out += "HTTP/1.1 ";
  out += std::to_string(response.result_int());
  out += ' ';
  auto reason = response.reason();
  out.append(reason.data(), reason.size());
  out += "\r\n";
  for (const auto& field : response.base()) {
    auto name = field.name_string();
    auto value = field.value();
    out.append(name.data(), name.size());
    out += ": ";
    out.append(value.data(), value.size());
    out += "\r\n";
  }
  out += "\r\n";
  if (!head) out += response.body();
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), use_tuple);
  co_return ec;
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, const std::string& host, std::uint16_t port,
                       ServerLimits limits, RequestHandler& handler)
    : io_(io), acceptor_(io), limits_(limits), handler_(handler) {
  tcp::endpoint endpoint{asio::ip::make_address(host), port};
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
}

void HttpServer::start() { asio::co_spawn(io_, accept_loop(), asio::detached); }

void HttpServer::stop() {
  asio::post(io_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
}

asio::awaitable<void> HttpServer::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), use_tuple);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) continue;  // e.g. too many open files: keep serving the connections we have
    socket.set_option(tcp::no_delay(true), ec);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, serve_connection(beast::tcp_stream(std::move(socket))),
                   asio::detached);
  }
}

asio::awaitable<void> HttpServer::serve_connection(beast::tcp_stream stream) {
  beast::flat_buffer buffer;
  std::string output;  // reused for every answer on this connection
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.header_limit));
    parser.body_limit(limits_.body_limit);

    stream.expires_after(buffer.size() > 0 ? limits_.read_timeout : limits_.idle_timeout);
    auto [header_ec, header_n] =
        co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
    // A Content-Length over the limit is reported as soon as the header is complete.
    bool declared_too_large = header_ec == bhttp::error::body_limit;
    if (header_ec && !declared_too_large) break;  // closed, timed out or unparseable
    stream.expires_after(limits_.read_timeout);

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
        break;
      }
    }
    incoming.message = parser.release();
    if (incoming.body_too_large) incoming.message.body().clear();
    bool head = incoming.message.method() == bhttp::verb::head;
    bool keep_alive = incoming.message.keep_alive() && !close_after;
    unsigned version = incoming.message.version();

    Response response = co_await handler_.handle(std::move(incoming));
    response.version(version);
    response.keep_alive(keep_alive);
    stream.expires_after(limits_.read_timeout);
    auto write_ec = co_await write_response(stream, response, head, output);
    if (write_ec) break;
    if (close_after) {
      // The client may still be sending the body we refused. Closing now would reset the
      // connection and destroy our answer in flight, so stop sending, then read and discard
      // for a bounded time and amount.
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream.expires_after(std::chrono::seconds(2));
      std::size_t discarded = 0;
      while (discarded < 16 * 1024 * 1024) {
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(64 * 1024), use_tuple);
        if (ec) break;
        discarded += n;
      }
      co_return;
    }
    if (!keep_alive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace keypaird::http
