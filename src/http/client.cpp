// HttpClient: resolve, connect (with retries), optional TLS handshake, write, read, all under
// one deadline. One connection per call: the Keystone deployments we talk to close after each
// response anyway (uwsgi's --http-socket), and validations are rare thanks to the token cache.
#include "http/client.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

namespace keypaird::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

// Writes the request and reads the whole response, bounded by `deadline`.
template <typename Stream>
asio::awaitable<Result<ClientResponse>> exchange(Stream& stream, beast::tcp_stream& socket,
                                                 ClientRequest& request, Clock::time_point deadline,
                                                 std::size_t body_limit) {
  socket.expires_at(deadline);
  auto [write_error, written] = co_await bhttp::async_write(stream, request, nothrow);
  (void)written;
  if (write_error)
    co_return Status::unavailable("sending the request failed: " + write_error.message());
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(body_limit);
  auto [read_error, read] = co_await bhttp::async_read(stream, buffer, parser, nothrow);
  (void)read;
  if (read_error)
    co_return Status::unavailable("reading the response failed: " + read_error.message());
  co_return parser.release();
}

}  // namespace

std::optional<Url> parse_url(const std::string& text) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) return std::nullopt;
  Url url;
  auto scheme = parsed->scheme();
  if (scheme == "https") {
    url.tls = true;
  } else if (scheme != "http") {
    return std::nullopt;
  }
  url.host = parsed->encoded_host_address();
  if (url.host.empty()) return std::nullopt;
  if (url.host.front() == '[' && url.host.back() == ']')
    url.host = url.host.substr(1, url.host.size() - 2);
  url.port = parsed->has_port() ? std::string(parsed->port()) : (url.tls ? "443" : "80");
  url.target = std::string(parsed->encoded_path());
  if (url.target.empty()) url.target = "/";
  if (parsed->has_query()) url.target += "?" + std::string(parsed->encoded_query());
  return url;
}

HttpClient::HttpClient(ClientOptions options) : options_(std::move(options)) {
  tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  tls_->set_verify_mode(asio::ssl::verify_peer);
  boost::system::error_code ignored;
  if (options_.ca_file.empty()) {
    tls_->set_default_verify_paths(ignored);
  } else {
    tls_->load_verify_file(options_.ca_file, ignored);
  }
}

HttpClient::~HttpClient() = default;

asio::awaitable<Result<ClientResponse>> HttpClient::send(const Url& url,
                                                         ClientRequest request) const {
  auto executor = co_await asio::this_coro::executor;
  const auto deadline = Clock::now() + options_.total_timeout;
  request.target(url.target);
  bool ipv6 = url.host.find(':') != std::string::npos;
  request.set(bhttp::field::host, (ipv6 ? "[" + url.host + "]" : url.host) + ":" + url.port);
  request.set(bhttp::field::connection, "close");
  request.set(bhttp::field::user_agent, "keypaird");
  request.prepare_payload();

  asio::ip::tcp::resolver resolver(executor);
  beast::tcp_stream socket(executor);
  std::string failure;
  auto delay = std::chrono::milliseconds(250);
  for (int attempt = 0;; ++attempt) {
    auto [resolve_error, endpoints] = co_await resolver.async_resolve(url.host, url.port, nothrow);
    if (!resolve_error) {
      auto connect_deadline = deadline;
      if (options_.connect_timeout.count() > 0)
        connect_deadline = std::min(deadline, Clock::now() + options_.connect_timeout);
      socket.expires_at(connect_deadline);
      auto [connect_error, endpoint] = co_await socket.async_connect(endpoints, nothrow);
      (void)endpoint;
      if (!connect_error) break;
      failure = "cannot connect to " + url.host + ":" + url.port + ": " + connect_error.message();
    } else {
      failure = "cannot resolve " + url.host + ": " + resolve_error.message();
    }
    if (attempt >= options_.connect_retries || Clock::now() + delay >= deadline)
      co_return Status::unavailable(failure);
    asio::steady_timer pause(executor, delay);
    co_await pause.async_wait(nothrow);
    delay *= 2;
    socket.close();
  }

  if (!url.tls) {
    co_return co_await exchange(socket, socket, request, deadline, options_.body_limit);
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls_);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()))
    co_return Status::unavailable("cannot set the TLS server name");
  stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  beast::get_lowest_layer(stream).expires_at(deadline);
  auto [handshake_error] = co_await stream.async_handshake(asio::ssl::stream_base::client, nothrow);
  if (handshake_error)
    co_return Status::unavailable("TLS handshake with " + url.host +
                                  " failed: " + handshake_error.message());
  co_return co_await exchange(stream, beast::get_lowest_layer(stream), request, deadline,
                              options_.body_limit);
}

}  // namespace keypaird::http
