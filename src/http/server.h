// The HTTP/1.1 front end: accepts connections, parses and bounds requests, applies timeouts and
// keep-alive, and hands every complete request to one RequestHandler. It knows nothing of
// keypairs or of OpenStack.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <string>

namespace keypaird::http {

namespace asio = boost::asio;
namespace beast = boost::beast;

using Request = beast::http::request<beast::http::string_body>;
using Response = beast::http::response<beast::http::string_body>;

// One parsed request as the server hands it on. When the body was over the limit,
// `body_too_large` is set, the body is empty, and the connection is closed after the answer.
struct IncomingRequest {
  Request message;
  bool body_too_large = false;
};

// The single entry point the server calls. handle() runs on a network thread and may suspend;
// it must never block (offload slow work to another executor and co_await it).
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual asio::awaitable<Response> handle(IncomingRequest request) = 0;
};

struct ServerLimits {
  std::size_t body_limit = 114688;
  std::size_t header_limit = 16 * 1024;
  std::chrono::seconds read_timeout{30};  // time to receive one whole request
  std::chrono::seconds idle_timeout{60};  // keep-alive wait between requests
};

class HttpServer {
 public:
  // Binds at once (throws boost::system::system_error when it cannot); start() begins accepting.
  HttpServer(asio::io_context& io, const std::string& host, std::uint16_t port, ServerLimits limits,
             RequestHandler& handler);

  std::uint16_t port() const { return port_; }
  void start();
  // Stops accepting; connections in flight finish their current request.
  void stop();

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve_connection(beast::tcp_stream stream);

  asio::io_context& io_;
  asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  ServerLimits limits_;
  RequestHandler& handler_;
};

}  // namespace keypaird::http
