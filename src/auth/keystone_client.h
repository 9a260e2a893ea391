// KeystoneClient: the two Identity v3 calls keypaird makes, as keystonemiddleware makes them:
// password authentication for keypaird's own service token, and validation of a user's token
// (GET /v3/auth/tokens with X-Subject-Token). Tokens are passed in, never logged.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "auth/token_cache.h"
#include "common/status.h"
#include "http/client.h"

namespace keypaird::auth {

struct KeystoneSettings {
  std::string auth_url;  // as configured; the v3 root is derived from it
  std::string username;
  std::string password;
  std::string project_name;
  std::string user_domain_name = "Default";
  std::string project_domain_name = "Default";
  std::string region_name;             // empty = any
  std::string interface = "internal";  // catalog interface of the identity endpoint
};

// keypaird's own token and where to validate user tokens.
struct ServiceToken {
  std::string token;
  SystemClock::time_point issued_at;
  SystemClock::time_point expires_at;
  std::string identity_v3_url;  // from the catalog, or the auth_url's v3 root
};

// Both calls fail with a Status whose message is for the log (it never contains a token):
//   unauthenticated  404: the user's token is unknown, revoked or expired
//   forbidden        401: keypaird's own token or credentials were refused
//   unavailable      no answer, a timeout, a 5xx or anything unexpected
class KeystoneClient {
 public:
  KeystoneClient(KeystoneSettings settings, http::ClientOptions options);

  // POST {v3}/auth/tokens with the password method, scoped to the service project.
  boost::asio::awaitable<Result<ServiceToken>> issue_service_token() const;

  // GET {identity}/auth/tokens?nocatalog[&allow_expired=1] for `subject_token`.
  boost::asio::awaitable<Result<TokenInfo>> validate(ServiceToken service,
                                                     std::string subject_token,
                                                     bool allow_expired) const;

 private:
  KeystoneSettings settings_;
  std::string auth_v3_url_;
  http::HttpClient client_;
};

// Helpers, public for unit tests.

// "2026-11-22T14:49:55.000000Z" (and the +00:00 form) to a time point.
std::optional<SystemClock::time_point> parse_keystone_time(std::string_view text);
// The v3 root for a configured URL: ".../v3" stays, ".../v2.0" becomes ".../v3", a bare
// host gets "/v3".
std::string identity_v3_root(std::string url);
// The fields of a {"token": {...}} body; nullopt if it has no user id or no valid expiry.
std::optional<TokenInfo> parse_token_body(const boost::json::value& body);
// The identity endpoint in a token's catalog for `interface` (and `region`, if set).
std::optional<std::string> identity_url_from_catalog(const boost::json::value& body,
                                                     const std::string& interface,
                                                     const std::string& region);

}  // namespace keypaird::auth
