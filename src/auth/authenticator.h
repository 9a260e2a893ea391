// Authentication is a replaceable step: an Authenticator turns the request's headers into a
// RequestContext or says why it cannot. NoAuth2Authenticator is Nova's development mode;
// Keystone validation plugs in behind the same interface.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "auth/request_context.h"

namespace keypaird::auth {

// Looks a request header up by case-insensitive name.
using HeaderLookup = std::function<std::optional<std::string_view>(std::string_view)>;

struct AuthOutcome {
  enum class Status {
    authenticated,  // `context` is set
    token_issued,   // noauth2 without a token: answer 204 with `issued_token` and the project
    unauthorized,   // missing or invalid credentials
    unavailable,    // the identity service could not be reached
  } status = Status::unauthorized;
  RequestContext context;
  std::string issued_token;
  std::string issued_project_id;
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Safe to call from any thread.
  virtual AuthOutcome authenticate(const HeaderLookup& headers) = 0;
};

// Nova's noauth2: "X-Auth-Token: user[:project]" (project defaults to the user); the caller is
// admin exactly when the user is "admin". Without the header, a token is issued from
// X-Auth-User / X-Auth-Project-Id (both default "admin").
class NoAuth2Authenticator final : public Authenticator {
 public:
  AuthOutcome authenticate(const HeaderLookup& headers) override;
};

}  // namespace keypaird::auth
