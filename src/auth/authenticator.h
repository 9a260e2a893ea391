// Authentication is a replaceable step: an Authenticator turns the request's headers into a
// RequestContext or says why it cannot. NoAuth2Authenticator is Nova's development mode;
// KeystoneAuthenticator (keystone_authenticator.h) validates tokens against Keystone.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "auth/request_context.h"
#include "common/status.h"

namespace keypaird::auth {

// Looks a request header up by case-insensitive name.
using HeaderLookup = std::function<std::optional<std::string_view>(std::string_view)>;

// Who is calling, as authentication found out; or, for noauth2 without a token, a token to hand
// out instead of serving the request.
struct AuthOutcome {
  RequestContext context;     // the caller, unless a token was issued
  bool token_issued = false;  // noauth2 without a token: answer 204 with these two
  std::string issued_token;
  std::string issued_project_id;
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Runs on a network thread and never blocks it: work that waits (a call to Keystone) suspends
  // the coroutine. `headers` must stay valid until the awaitable completes. Safe to call from
  // any thread, concurrently. Refusals: unauthenticated (missing or invalid credentials),
  // unavailable (the identity service could not be reached or failed).
  virtual boost::asio::awaitable<Result<AuthOutcome>> authenticate(const HeaderLookup& headers) = 0;
  // The WWW-Authenticate value of this authenticator's 401s (`Keystone uri="..."`, which also
  // selects keystonemiddleware's 401 body); empty when it has none (noauth2).
  virtual const std::string& challenge() const;
};

// Nova's noauth2: "X-Auth-Token: user[:project]" (project defaults to the user); the caller is
// admin exactly when the user is "admin". Without the header, a token is issued from
// X-Auth-User / X-Auth-Project-Id (both default "admin").
class NoAuth2Authenticator final : public Authenticator {
 public:
  boost::asio::awaitable<Result<AuthOutcome>> authenticate(const HeaderLookup& headers) override;
  // The same decision, synchronously (it never waits for anything, and never refuses).
  static AuthOutcome authenticate_now(const HeaderLookup& headers);
};

}  // namespace keypaird::auth
