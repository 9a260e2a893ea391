// The operator's side of the HTTP surface: /metrics and /healthcheck, both on the compute API
// port (metrics only with the admin token) and on the separate metrics listener, plus the hooks
// the Application reports every request to (access log, request metrics).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/healthcheck.h"
#include "http/server.h"
#include "observability/logging.h"
#include "observability/metrics.h"

namespace keypaird::api {

// What the Application reports to and serves besides the compute API. Every pointer may be
// null (nothing recorded or served); the objects must outlive the Application.
struct OperationsHooks {
  observability::Metrics* metrics = nullptr;
  observability::LogOutput* log = nullptr;
  HealthCheck* health = nullptr;  // null: /healthcheck is an unknown path
  // Non-empty: GET /metrics is served on the API port to `Authorization: Bearer <token>`.
  // Empty: /metrics is an unknown path there (Nova's 300 choices page).
  std::string metrics_token;
};

// Compares the bearer token in an Authorization header with `expected` in time independent of
// where they differ (and of their lengths).
bool bearer_token_matches(std::optional<std::string_view> authorization,
                          const std::string& expected);

http::Response metrics_response(const observability::Metrics& metrics);
http::Response metrics_unauthorized();

// The handler of the separate metrics listener ([keypaird] metrics_listen): GET /metrics and
// /healthcheck, nothing else. It runs on network threads; both answers are cheap.
class OperationsEndpoint final : public http::RequestHandler {
 public:
  OperationsEndpoint(observability::Metrics& metrics, HealthCheck* health)
      : metrics_(metrics), health_(health) {}
  boost::asio::awaitable<http::Response> handle(http::IncomingRequest request) override;

 private:
  observability::Metrics& metrics_;
  HealthCheck* health_;
};

}  // namespace keypaird::api
