// NoAuth2Authenticator: development authentication, as Nova's NoAuthMiddleware does it.
#include "auth/authenticator.h"
#include "common/utf8.h"

namespace keypaird::auth {

const std::string& Authenticator::challenge() const {
  static const std::string none;
  return none;
}

boost::asio::awaitable<Result<AuthOutcome>> NoAuth2Authenticator::authenticate(
    const HeaderLookup& headers) {
  co_return authenticate_now(headers);
}

AuthOutcome NoAuth2Authenticator::authenticate_now(const HeaderLookup& headers) {
  AuthOutcome outcome;
  auto token = headers("X-Auth-Token");
  if (!token) {
    auto user = headers("X-Auth-User");
    auto project = headers("X-Auth-Project-Id");
    std::string user_id = user ? std::string(*user) : "admin";
    std::string project_id = project ? std::string(*project) : "admin";
    outcome.token_issued = true;
    outcome.issued_token = user_id + ":" + project_id;
    outcome.issued_project_id = project_id;
    return outcome;
  }
  auto colon = token->find(':');
  std::string user_id(token->substr(0, colon));
  std::string project_id =
      colon == std::string_view::npos ? "" : std::string(token->substr(colon + 1));
  if (project_id.empty()) project_id = user_id;
  // Nova sees the token as latin-1 text (WSGI), and that text is the identity it stores and
  // quotes: non-ASCII bytes become their latin-1 characters.
  outcome.context.user_id = latin1_to_utf8(user_id);
  outcome.context.project_id = latin1_to_utf8(project_id);
  outcome.context.is_admin = user_id == "admin";
  if (outcome.context.is_admin) outcome.context.roles = {"admin"};
  return outcome;
}

}  // namespace keypaird::auth
