// A small HTTP/1.1 client for calls to other services (Keystone): one connection per call,
// plain http or https (OpenSSL, peer and host name verified), deadlines, connect retries.
// Failures come back as an unavailable Status, never as exceptions.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"

namespace keypaird::http {

using ClientRequest = boost::beast::http::request<boost::beast::http::string_body>;
using ClientResponse = boost::beast::http::response<boost::beast::http::string_body>;

// An absolute URL taken apart: scheme, host, port and the path with its query.
struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;  // "/v3/auth/tokens?nocatalog", never empty
};

// Parses http:// and https:// URLs; nullopt for anything else.
std::optional<Url> parse_url(const std::string& text);

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{0};  // 0 = only the total deadline applies
  std::chrono::milliseconds total_timeout{30000};
  int connect_retries = 3;            // attempts after the first when connecting fails
  std::size_t body_limit = 8u << 20;  // larger responses are an error
  std::string ca_file;                // https: trust these CAs instead of the system's
};

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options);
  ~HttpClient();

  // Sends `request` to `url` (its target, Host and Connection: close are filled in) on the
  // calling coroutine's executor and waits for the whole response without blocking a thread.
  // Safe to call concurrently from any thread. When no response arrived (connection refused,
  // timeout, TLS failure, malformed answer) the result is an unavailable Status saying why.
  boost::asio::awaitable<Result<ClientResponse>> send(const Url& url, ClientRequest request) const;

 private:
  ClientOptions options_;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // built once; used read-only afterwards
};

}  // namespace keypaird::http
