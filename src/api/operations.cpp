// Operations endpoints: metrics rendering, the admin-token check, and the metrics listener.
#include "api/operations.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>

namespace keypaird::api {

namespace bhttp = boost::beast::http;

namespace {

std::array<unsigned char, 32> sha256(std::string_view data) {
  std::array<unsigned char, 32> digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return digest;
}

http::Response plain(unsigned status, std::string body) {
  http::Response response;
  response.result(status);
  response.set(bhttp::field::content_type, "text/plain; charset=UTF-8");
  response.body() = std::move(body);
  return response;
}

}  // namespace

bool bearer_token_matches(std::optional<std::string_view> authorization,
                          const std::string& expected) {
  if (!authorization || expected.empty()) return false;
  std::string_view value = *authorization;
  constexpr std::string_view scheme = "Bearer ";
  if (value.size() < scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(value[i])) !=
        std::tolower(static_cast<unsigned char>(scheme[i])))
      return false;
  value.remove_prefix(scheme.size());
  // Comparing digests hides the length as well as the position of the first difference.
  auto given = sha256(value);
  auto wanted = sha256(expected);
  return CRYPTO_memcmp(given.data(), wanted.data(), given.size()) == 0;
}

http::Response metrics_response(const observability::Metrics& metrics) {
  http::Response response;
  response.result(200);
  response.set(bhttp::field::content_type, observability::Metrics::kContentType);
  response.body() = metrics.render();
  return response;
}

http::Response metrics_unauthorized() {
  http::Response response = plain(401, "401 Unauthorized\n");
  response.set(bhttp::field::www_authenticate, "Bearer");
  return response;
}

boost::asio::awaitable<http::Response> OperationsEndpoint::handle(http::IncomingRequest request) {
  std::string_view target = request.message.target();
  std::string path(target.substr(0, target.find('?')));
  bool head = request.message.method() == bhttp::verb::head;
  if (path == "/metrics" && (request.message.method() == bhttp::verb::get || head))
    co_return metrics_response(metrics_);
  if (health_ && is_healthcheck_path(path)) {
    auto accept = request.message.find(bhttp::field::accept);
    std::optional<std::string_view> accept_value;
    if (accept != request.message.end()) accept_value = accept->value();
    co_return healthcheck_response(health_->check(), head, accept_value);
  }
  co_return plain(404, "404 Not Found\n");
}

}  // namespace keypaird::api
