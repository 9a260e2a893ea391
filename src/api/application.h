// The compute API application: the one RequestHandler the HTTP server calls. It runs Nova's
// pipeline in Nova's order as named steps (route, authenticate, negotiate, check the encoding,
// validate, policy, service, view) and one finalize step for what every answer carries.
#pragma once

#include <memory>

#include "api/keypair_schema.h"
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
  struct ReadRequest {
    ListQuery query;
    std::string user_id;  // the user acted for
  };

  boost::asio::awaitable<http::Response> answer(Call& call, bool body_too_large);
  http::Response version_document(Call& call);
  boost::asio::awaitable<http::Response> compute(Call& call);
  // The steps, in order.
  boost::asio::awaitable<std::optional<http::Response>> authenticate(Call& call);
  Status negotiate(Call& call);
  static Status check_request_encoding(const Call& call);
  Status check_project(const Call& call) const;
  Status check_policy(const Call& call, const std::string& user_id) const;
  Result<ReadRequest> validate_read(const Call& call) const;
  Result<keypairs::CreateRequest> validate_create(const Call& call) const;
  // The keypairs handlers: validate, policy, service, view.
  boost::asio::awaitable<http::Response> list(Call& call);
  boost::asio::awaitable<http::Response> show(Call& call);
  boost::asio::awaitable<http::Response> create(Call& call);
  boost::asio::awaitable<http::Response> remove(Call& call);
  void finalize(Call& call, http::Response& response) const;

  ApiSettings settings_;
  auth::Authenticator& authenticator_;
  const auth::Policy& policy_;
  keypairs::KeypairService& service_;
  OperationsHooks operations_;
};

}  // namespace keypaird::api
