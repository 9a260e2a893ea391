// Regression: quoted right-hand sides (user_id:'%(user_id)s', role:'admin') were unquoted by
// keypaird's parser and passed; oslo.policy compares them quotes included, so they never pass.
#include <gtest/gtest.h>

#include "auth/policy.h"

using namespace keypaird::auth;

namespace {

bool allows(const std::string& expression, const RequestContext& context,
            const std::string& target_user) {
  auto built = RulePolicy::build({{"os_compute_api:os-keypairs:create", expression}}, nullptr);
  if (!built) {
    ADD_FAILURE() << built.status().message();
    return false;
  }
  return (*built)->allows("os_compute_api:os-keypairs:create", context, target_user);
}

}  // namespace

TEST(PolicyQuotedMatchValuesNotUnquoted, QuotesAreCompared) {
  const RequestContext alice{"alice", "p1", {"member"}, false};
  const RequestContext admin{"root", "p0", {"admin"}, true};
  EXPECT_FALSE(allows("user_id:'%(user_id)s'", alice, "alice"));
  EXPECT_FALSE(allows("user_id:\"%(user_id)s\"", alice, "alice"));
  EXPECT_FALSE(allows("role:'admin'", admin, "root"));
  EXPECT_FALSE(allows("role:\"admin\"", admin, "root"));
  EXPECT_FALSE(allows("user_id:'alice'", alice, "bob"));
  // A credential that really holds the quotes matches them, as in oslo.
  const RequestContext quoted_role{"carol", "p1", {"'admin'"}, false};
  EXPECT_TRUE(allows("role:'admin'", quoted_role, "carol"));
  // Unquoted, the same checks pass.
  EXPECT_TRUE(allows("user_id:%(user_id)s", alice, "alice"));
  EXPECT_TRUE(allows("role:admin", admin, "root"));
}
