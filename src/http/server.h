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
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace keypaird::http {

namespace asio = boost::asio;
namespace beast = boost::beast;

using Request = beast::http::request<beast::http::string_body>;
using Response = beast::http::response<beast::http::string_body>;

// One parsed request as the server hands it on. When the body was over the limit,
// `body_too_large` is set, the body is empty, and the connection is closed after the answer.
// A handler whose answer holds a secret (a private key) sets *secret_answer (when not null):
// the server then overwrites the body and its own copy of the answer with zeros once written.
struct IncomingRequest {
  Request message;
  bool body_too_large = false;
  bool* secret_answer = nullptr;
};

// The single entry point the server calls. handle() runs on a network thread and may suspend;
// it must never block (offload slow work to another executor and co_await it).
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual asio::awaitable<Response> handle(IncomingRequest request) = 0;
};

// What one client may cost. Requests beyond a limit get a plain-text answer from the server
// itself (400, 414, 431) and the connection is closed; bodies beyond the limit go to the
// handler flagged `body_too_large` so it can answer in the application's format.
struct ServerLimits {
  std::size_t body_limit = 114688;
  std::size_t header_limit = 16 * 1024;            // request line and headers together -> 431
  std::size_t url_limit = 8 * 1024;                // request target -> 414
  std::size_t max_connections = 1000;              // beyond it, new connections wait in the backlog
  std::size_t max_requests_per_connection = 1000;  // then Connection: close
  std::chrono::seconds request_timeout{30};        // first byte to whole request read, or one write
  std::chrono::seconds idle_timeout{60};           // keep-alive wait for a request's first byte
};

class HttpServer {
 public:
  // Binds at once (throws boost::system::system_error when it cannot); start() begins accepting.
  // Connections are served on `io` (each on its own strand, so any number of threads may run
  // it) or, when `connection_contexts` is not empty, spread over those in turn, each of which
  // must be run by exactly one thread (then a connection needs no strand, and threads do not
  // contend for one scheduler). `io` runs the accept loop and the shutdown.
  HttpServer(asio::io_context& io, const std::string& host, std::uint16_t port, ServerLimits limits,
             RequestHandler& handler, std::vector<asio::io_context*> connection_contexts = {});

  std::uint16_t port() const { return port_; }
  void start();

  // Graceful stop: accepts no more connections, closes the idle ones, lets requests in flight
  // finish and answer (with Connection: close) for up to `grace`, then closes whatever is left.
  // Calls `done` (on a network thread) when no connection remains. Callable from any thread.
  void shutdown(std::chrono::milliseconds grace, std::function<void()> done);

  // Connections open now (from any thread; for logs and tests).
  std::size_t active_connections() const { return active_.load(); }

 private:
  // One connection's state shared with the server; touched only on the connection's strand.
  // Its timeouts are one deadline, moved by a store to `deadline` (no timer operation per read
  // or write); a watchdog timer closes the socket once the deadline has passed. The watchdog
  // never waits longer than `longest_wait`, so a deadline set later is never earlier than the
  // watchdog's expiry but in rare cases (then it is re-armed).
  struct Connection {
    using Clock = std::chrono::steady_clock;
    Connection(asio::any_io_executor e, Clock::duration longest_wait)
        : executor(e), watchdog(e), longest_wait(longest_wait) {}
    // From now on, the connection is closed at `when` (Clock::time_point::max(): never).
    void expire_at(Clock::time_point when);
    void expire_after(Clock::duration timeout) { expire_at(Clock::now() + timeout); }
    // Called by the watchdog's wait (and to start it).
    static void watch(const std::shared_ptr<Connection>& self, Clock::time_point now);

    asio::any_io_executor executor;
    asio::ip::tcp::socket* socket = nullptr;  // while the connection's coroutine runs
    bool idle = true;                         // waiting for the first byte of a request
    bool stopping = false;                    // the server is shutting down: finish and close
    asio::steady_timer watchdog;
    Clock::duration longest_wait;
    Clock::time_point deadline = Clock::time_point::max();
    Clock::time_point watchdog_expiry = Clock::time_point::max();  // max: not waiting
    std::weak_ptr<Connection> self;                                // for re-arming from expire_at
  };

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> drain(std::chrono::milliseconds grace);  // on accept_strand_
  asio::awaitable<void> serve_connection(asio::ip::tcp::socket socket,
                                         std::shared_ptr<Connection> connection);
  asio::awaitable<void> run_connection(asio::ip::tcp::socket& socket, Connection& connection);
  void connection_closed(std::shared_ptr<Connection> connection);  // runs on accept_strand_

  asio::any_io_executor next_connection_executor();  // on accept_strand_

  asio::io_context& io_;
  std::vector<asio::io_context*> connection_contexts_;
  std::size_t next_context_ = 0;  // on accept_strand_
  // The acceptor, the connection count and the registry are used only on this strand.
  asio::strand<asio::io_context::executor_type> accept_strand_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer slot_freed_;  // cancelled whenever a connection ends
  std::unordered_set<std::shared_ptr<Connection>> connections_;
  bool stopping_ = false;
  std::atomic<std::size_t> active_{0};
  std::uint16_t port_ = 0;
  ServerLimits limits_;
  RequestHandler& handler_;
};

}  // namespace keypaird::http
