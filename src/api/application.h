// The compute API application: the one RequestHandler the HTTP server calls. It runs Nova's
// pipeline in Nova's order: request id, size limit, version documents, authentication, routing,
// microversion, content type, body, schema, policy, then the keypairs service.
#pragma once

#include <memory>

#include "api/microversion.h"
#include "api/operations.h"
#include "auth/authenticator.h"
#include "auth/policy.h"
#include "http/server.h"
#include "keypairs/keypair_service.h"

namespace keypaird::api {

struct ApiSettings {
  ApiVersion max_version = kDefaultMaxVersion;
  std::int64_t max_limit = 1000;
  std::size_t max_request_body_size = 114688;
};

class Application final : public http::RequestHandler {
 public:
  // `operations`: where each request is logged and counted, and whether /healthcheck and
  // /metrics are served. Where the service's work runs is the service's business.
  Application(ApiSettings settings, auth::Authenticator& authenticator, const auth::Policy& policy,
              keypairs::KeypairService& service, OperationsHooks operations = {});

  boost::asio::awaitable<http::Response> handle(http::IncomingRequest request) override;

 private:
  struct Call;  // one request on its way through the pipeline

  boost::asio::awaitable<http::Response> dispatch(Call& call);
  boost::asio::awaitable<http::Response> api_request(Call& call, bool legacy_v2);
  boost::asio::awaitable<http::Response> create(Call& call);
  boost::asio::awaitable<http::Response> list(Call& call);
  boost::asio::awaitable<http::Response> show(Call& call);
  boost::asio::awaitable<http::Response> remove(Call& call);

  ApiSettings settings_;
  auth::Authenticator& authenticator_;
  const auth::Policy& policy_;
  keypairs::KeypairService& service_;
  OperationsHooks operations_;
};

}  // namespace keypaird::api
