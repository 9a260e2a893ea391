// KeystoneAuthenticator: validates X-Auth-Token against Keystone as keystonemiddleware's
// auth_token does (see ../shared/reference/keystone-token-validation.md), with a bounded cache
// of validated tokens and one Keystone call per unknown token however many requests carry it.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticator.h"
#include "auth/keystone_client.h"
#include "auth/policy.h"
#include "auth/single_flight.h"
#include "auth/token_cache.h"
#include "common/thread_annotations.h"

namespace keypaird::auth {

struct KeystoneAuthSettings {
  KeystoneSettings keystone;
  std::string www_authenticate_uri;            // in WWW-Authenticate; empty = auth_url
  std::chrono::seconds token_cache_time{300};  // < 0 disables the cache
  std::size_t token_cache_size = 10000;
  std::vector<std::string> service_token_roles = {"service"};
  bool service_token_roles_required = false;
  // Optional observers, e.g. for metrics: each cache lookup (hit or not), and each validation
  // call to Keystone with its duration and outcome ("valid", "rejected" or "error").
  std::function<void(bool hit)> on_cache_lookup;
  std::function<void(double seconds, std::string_view outcome)> on_keystone_call;
};

class KeystoneAuthenticator final : public Authenticator {
 public:
  // `policy` decides who is admin (context_is_admin) and must outlive the authenticator.
  KeystoneAuthenticator(KeystoneAuthSettings settings, http::ClientOptions client_options,
                        const Policy& policy);

  // A cache hit completes without suspending; a miss suspends while Keystone answers, sharing
  // the call with concurrent requests for the same token. Thread-safe.
  boost::asio::awaitable<Result<AuthOutcome>> authenticate(const HeaderLookup& headers) override;
  const std::string& challenge() const override { return challenge_; }

 private:
  // A token's check: what Keystone said about it when valid; unauthenticated when it was
  // refused (or has expired), unavailable when Keystone could not say.
  using Checked = Result<std::shared_ptr<const TokenInfo>>;
  // keypaird's own token, or unavailable when Keystone would not issue one.
  using ServiceTokenResult = Result<std::shared_ptr<const ServiceToken>>;

  std::optional<Checked> cached(const TokenDigest& digest, bool allow_expired);
  boost::asio::awaitable<Checked> check(std::string token, bool allow_expired);
  boost::asio::awaitable<Checked> validate_remotely(std::string token, bool allow_expired);
  // keypaird's own token: the held one while fresh, else a new one (one fetch at a time).
  // `rejected` names a token Keystone just refused, which must not be handed out again.
  boost::asio::awaitable<ServiceTokenResult> service_token(
      std::shared_ptr<const ServiceToken> rejected);
  std::shared_ptr<const ServiceToken> held_service_token(const ServiceToken* rejected)
      EXCLUDES(service_mutex_);

  const KeystoneAuthSettings settings_;
  const Policy& policy_;
  const std::string challenge_;
  KeystoneClient client_;
  TokenCache cache_;
  SingleFlight<Checked> validations_;
  SingleFlight<ServiceTokenResult> service_fetches_;
  std::atomic<bool> warned_about_service_roles_{false};
  Mutex service_mutex_;
  std::shared_ptr<const ServiceToken> service_token_ GUARDED_BY(service_mutex_);
  SystemClock::time_point service_renew_at_ GUARDED_BY(service_mutex_);
};

}  // namespace keypaird::auth
