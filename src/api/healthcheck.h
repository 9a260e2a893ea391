// GET/HEAD /healthcheck as oslo.middleware's healthcheck app answers it, so load-balancer
// checks written for nova-api work unchanged: 200 "OK" (HEAD: 204) when healthy, 503 with the
// reason when the disable file exists ("DISABLED BY FILE", oslo's disable_by_file backend) or
// the store cannot serve requests.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/server.h"
#include "store/keypair_store.h"

namespace keypaird::api {

struct HealthStatus {
  bool healthy = true;
  // "OK", "DISABLED BY FILE", "STORE UNAVAILABLE" or "STORE CANNOT WRITE: <why>"
  std::string reason;
};

// Thread-safe. check() asks the store for its cheap health probe.
class HealthCheck {
 public:
  // `disable_by_file_path`: while a file exists there, the check fails (empty: no such file).
  HealthCheck(store::KeypairStore& store, std::string disable_by_file_path)
      : store_(store), disable_by_file_path_(std::move(disable_by_file_path)) {}

  HealthStatus check();

 private:
  store::KeypairStore& store_;
  std::string disable_by_file_path_;
};

// The answer oslo.middleware gives: text/plain by default, JSON ({"detailed": false, "reasons":
// [...]}) when the Accept header prefers application/json; HEAD gets 204/503 and no body.
http::Response healthcheck_response(const HealthStatus& status, bool head,
                                    std::optional<std::string_view> accept);

// True for the paths Nova's URL map hands to the healthcheck app: /healthcheck and below.
bool is_healthcheck_path(const std::string& path);

}  // namespace keypaird::api
