// noauth2 tokens and the default keypair policy.
#include <gtest/gtest.h>

#include <map>

#include "auth/authenticator.h"
#include "auth/policy.h"

using namespace keypaird::auth;

namespace {

AuthOutcome authenticate(std::map<std::string, std::string> headers) {
  return NoAuth2Authenticator::authenticate_now(
      [&headers](std::string_view name) -> std::optional<std::string_view> {
        auto it = headers.find(std::string(name));
        if (it == headers.end()) return std::nullopt;
        return it->second;
      });
}

}  // namespace

TEST(NoAuth2, TokenIsUserColonProject) {
  auto outcome = authenticate({{"X-Auth-Token", "alice:a11ce000"}});
  ASSERT_FALSE(outcome.token_issued);
  EXPECT_EQ(outcome.context.user_id, "alice");
  EXPECT_EQ(outcome.context.project_id, "a11ce000");
  EXPECT_FALSE(outcome.context.is_admin);
  EXPECT_EQ(authenticate({{"X-Auth-Token", "alice"}}).context.project_id, "alice");
  EXPECT_EQ(authenticate({{"X-Auth-Token", "alice:"}}).context.project_id, "alice");
  EXPECT_EQ(authenticate({{"X-Auth-Token", "a:b:c"}}).context.project_id, "b:c");
  EXPECT_TRUE(authenticate({{"X-Auth-Token", "admin:x"}}).context.is_admin);
}

TEST(NoAuth2, NoTokenIssuesOne) {
  auto outcome = authenticate({});
  EXPECT_TRUE(outcome.token_issued);
  EXPECT_EQ(outcome.issued_token, "admin:admin");
  auto named = authenticate({{"X-Auth-User", "carol"}, {"X-Auth-Project-Id", "c0"}});
  EXPECT_EQ(named.issued_token, "carol:c0");
  EXPECT_EQ(named.issued_project_id, "c0");
}

TEST(DefaultKeypairPolicy, AdminOrOwner) {
  DefaultKeypairPolicy policy;
  RequestContext alice{"alice", "p", {}, false};
  RequestContext admin{"admin", "p", {"admin"}, true};
  EXPECT_TRUE(policy.allows("os_compute_api:os-keypairs:show", alice, "alice"));
  EXPECT_FALSE(policy.allows("os_compute_api:os-keypairs:show", alice, "bob"));
  EXPECT_TRUE(policy.allows("os_compute_api:os-keypairs:delete", admin, "bob"));
}
