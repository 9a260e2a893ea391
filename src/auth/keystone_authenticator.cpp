// KeystoneAuthenticator: the request-level decisions (which header, service tokens and
// allow_expired, expiry, 401 vs 503), the cache in front of Keystone, and keypaird's own
// service token with its renewal.
#include "auth/keystone_authenticator.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/text.h"

namespace keypaird::auth {

namespace asio = boost::asio;

namespace {

bool has_any_role(const TokenInfo& info, const std::vector<std::string>& wanted) {
  for (const auto& role : info.roles)
    for (const auto& w : wanted)
      if (role == w) return true;
  return false;
}

}  // namespace

KeystoneAuthenticator::KeystoneAuthenticator(KeystoneAuthSettings settings,
                                             http::ClientOptions client_options,
                                             const Policy& policy)
    : settings_(std::move(settings)),
      policy_(policy),
      challenge_("Keystone uri=\"" +
                 (settings_.www_authenticate_uri.empty() ? settings_.keystone.auth_url
                                                         : settings_.www_authenticate_uri) +
                 "\""),
      client_(settings_.keystone, std::move(client_options)),
      cache_(settings_.token_cache_size, settings_.token_cache_time) {}

namespace {

Status unauthorized() {
  return Status(ErrorKind::unauthenticated, "The request you have made requires authentication.");
}

Status keystone_unavailable() {
  return Status::unavailable("The Keystone service is temporarily unavailable.");
}

}  // namespace

std::optional<KeystoneAuthenticator::Checked> KeystoneAuthenticator::cached(
    const TokenDigest& digest, bool allow_expired) {
  auto now = SystemClock::now();
  auto info = cache_.find(digest, now);
  if (settings_.on_cache_lookup) settings_.on_cache_lookup(info != nullptr);
  if (!info) return std::nullopt;
  if (info->refused) {
    // Refused as a token of its own; with a service token an expired one may still pass.
    if (allow_expired) return std::nullopt;
    return Checked(unauthorized());
  }
  // Entries never outlive the token, but say it here too: expiry is checked on every hit.
  if (!allow_expired && info->expires_at <= now) return Checked(unauthorized());
  return Checked(std::move(info));
}

asio::awaitable<Result<AuthOutcome>> KeystoneAuthenticator::authenticate(
    const HeaderLookup& headers) {
  // Only what Keystone says counts: incoming X-User-Id, X-Roles and the like are never read.
  auto user_header = headers("X-Auth-Token");
  if (!user_header) user_header = headers("X-Storage-Token");
  // A view into the request (which outlives this coroutine): copied only on a cache miss.
  std::string_view user_token =
      user_header ? trim(*user_header, kHeaderBlanks) : std::string_view{};
  if (user_token.empty()) co_return unauthorized();

  bool allow_expired = false;
  if (auto service_header = headers("X-Service-Token")) {
    std::string_view service_token = trim(*service_header, kHeaderBlanks);
    // (No co_await inside ?: here: GCC 12 miscompiles some of those.)
    Checked service;
    if (auto hit = cached(token_digest(service_token), false)) {
      service = std::move(*hit);
    } else {
      std::string copy(service_token);
      service = co_await check(std::move(copy), false);
    }
    if (!service) co_return service.status();  // refused, or Keystone unavailable
    if ((*service)->expires_at <= SystemClock::now()) co_return unauthorized();
    if (has_any_role(**service, settings_.service_token_roles)) {
      allow_expired = true;  // the service may finish work for a user whose token expired
    } else if (settings_.service_token_roles_required) {
      co_return unauthorized();
    } else if (!warned_about_service_roles_.exchange(true)) {
      // Once: keystonemiddleware warns on every such request, which floods a busy log.
      spdlog::warn(
          "a service token without any of the service_token_roles was accepted (it does not "
          "allow expired user tokens); set [keystone_authtoken] service_token_roles_required = "
          "true to refuse such tokens");
    }
  }

  Checked user;
  if (auto hit = cached(token_digest(user_token), allow_expired)) {
    user = std::move(*hit);
  } else {
    std::string copy(user_token);
    user = co_await check(std::move(copy), allow_expired);
  }
  if (!user) co_return user.status();  // refused, or Keystone unavailable
  const TokenInfo& info = **user;
  if (!allow_expired && info.expires_at <= SystemClock::now()) co_return unauthorized();

  AuthOutcome outcome;
  outcome.context.user_id = info.user_id;
  outcome.context.project_id = info.project_id;
  outcome.context.roles = info.roles;
  outcome.context.is_admin = info.is_admin;
  co_return outcome;
}

asio::awaitable<KeystoneAuthenticator::Checked> KeystoneAuthenticator::check(std::string token,
                                                                             bool allow_expired) {
  const TokenDigest digest = token_digest(token);
  const std::string flight = digest_hex(digest) + (allow_expired ? "+expired" : "");
  // A leader that finished between our cache miss and our join has filled the cache.
  const SingleFlight<Checked>::Recheck recheck = [this, &digest, &allow_expired] {
    return cached(digest, allow_expired);
  };
  auto joined = co_await validations_.join(flight, &recheck);
  if (joined) co_return std::move(*joined);

  Checked result;
  try {
    result = co_await validate_remotely(std::move(token), allow_expired);
  } catch (const std::exception& e) {
    spdlog::error("token validation failed: {}", e.what());
    result = keystone_unavailable();
  }
  if (result.is_ok()) {
    cache_.insert(digest, *result, SystemClock::now());
  } else if (result.status().is(ErrorKind::unauthenticated) && !allow_expired) {
    cache_.insert_refused(digest, SystemClock::now());
  }
  validations_.finish(flight, result);
  co_return result;
}

asio::awaitable<KeystoneAuthenticator::Checked> KeystoneAuthenticator::validate_remotely(
    std::string token, bool allow_expired) {
  std::shared_ptr<const ServiceToken> rejected;
  // Once more after a 401: keypaird's service token may have been revoked or may have expired.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto service = co_await service_token(rejected);
    if (!service) co_return keystone_unavailable();  // the reason is logged
    auto started = std::chrono::steady_clock::now();
    auto result = co_await client_.validate(**service, token, allow_expired);
    if (settings_.on_keystone_call) {
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      settings_.on_keystone_call(took.count(), result.is_ok() ? "valid"
                                               : result.status().is(ErrorKind::unauthenticated)
                                                   ? "rejected"
                                                   : "error");
    }
    if (result.is_ok()) {
      TokenInfo* info = &*result;
      spdlog::debug(
          "keystone: token of user {} is valid until {}", info->user_id,
          std::chrono::duration_cast<std::chrono::seconds>(info->expires_at.time_since_epoch())
              .count());
      // As Nova's RequestContext does: admin is whatever context_is_admin says. Decided here,
      // once, since the policy never changes while keypaird runs.
      info->is_admin =
          policy_.is_admin(RequestContext{info->user_id, info->project_id, info->roles, false});
      co_return std::make_shared<const TokenInfo>(std::move(*info));
    }
    const Status& error = result.status();
    switch (error.kind()) {
      case ErrorKind::unauthenticated:
        spdlog::debug("keystone: a token was refused ({})", error.message());
        co_return unauthorized();
      case ErrorKind::forbidden:
        spdlog::warn("keystone: {}; authenticating again", error.message());
        rejected = *service;
        continue;
      default:
        spdlog::error("keystone: cannot validate tokens: {}", error.message());
        co_return keystone_unavailable();
    }
  }
  spdlog::error("keystone: keypaird's service token is still refused after authenticating again");
  co_return keystone_unavailable();
}

std::shared_ptr<const ServiceToken> KeystoneAuthenticator::held_service_token(
    const ServiceToken* rejected) {
  MutexLock lock(service_mutex_);
  if (!service_token_ || SystemClock::now() >= service_renew_at_) return nullptr;
  if (rejected && rejected->token == service_token_->token) return nullptr;
  return service_token_;
}

asio::awaitable<KeystoneAuthenticator::ServiceTokenResult> KeystoneAuthenticator::service_token(
    std::shared_ptr<const ServiceToken> rejected) {
  if (auto held = held_service_token(rejected.get())) co_return held;
  const ServiceToken* rejected_pointer = rejected.get();
  const SingleFlight<ServiceTokenResult>::Recheck recheck =
      [this, &rejected_pointer]() -> std::optional<ServiceTokenResult> {
    if (auto held = held_service_token(rejected_pointer)) return ServiceTokenResult(held);
    return std::nullopt;
  };
  static const std::string kFlight = "service-token";
  auto joined = co_await service_fetches_.join(kFlight, &recheck);
  if (joined) co_return std::move(*joined);

  ServiceTokenResult outcome;
  try {
    auto result = co_await client_.issue_service_token();
    if (result.is_ok()) {
      ServiceToken* token = &*result;
      // Renew before expiry: 30 s early, or a quarter of the lifetime for short-lived tokens.
      auto lifetime = token->expires_at - token->issued_at;
      auto margin = std::min<SystemClock::duration>(std::chrono::seconds(30), lifetime / 4);
      auto shared = std::make_shared<const ServiceToken>(std::move(*token));
      {
        MutexLock lock(service_mutex_);
        service_token_ = shared;
        service_renew_at_ = shared->expires_at - margin;
      }
      spdlog::info("keystone: service token obtained for user {} (validating at {})",
                   settings_.keystone.username, shared->identity_v3_url);
      outcome = std::move(shared);
    } else {
      outcome = Status::unavailable("cannot obtain keypaird's service token: " +
                                    result.status().message());
    }
  } catch (const std::exception& e) {
    outcome =
        Status::unavailable(std::string("cannot obtain keypaird's service token: ") + e.what());
  }
  if (!outcome) spdlog::error("keystone: {}", outcome.status().message());
  service_fetches_.finish(kFlight, outcome);
  co_return outcome;
}

}  // namespace keypaird::auth
