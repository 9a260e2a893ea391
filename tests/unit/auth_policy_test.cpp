// The oslo.policy expression parser, policy files, and Nova's default keypair rules.
#include <gtest/gtest.h>

#include "auth/policy.h"

using namespace keypaird::auth;

namespace {

std::shared_ptr<RulePolicy> policy_with(std::map<std::string, std::string> overrides) {
  auto built = RulePolicy::build(overrides, nullptr);
  if (auto* error = std::get_if<std::string>(&built)) {
    ADD_FAILURE() << *error;
    return nullptr;
  }
  return std::get<std::shared_ptr<RulePolicy>>(built);
}

bool check(const std::string& expression, const RequestContext& context,
           const std::string& target_user = "alice") {
  auto policy = policy_with({{"under_test", expression}});
  return policy && policy->allows("under_test", context, target_user);
}

using Rules = std::map<std::string, std::string>;

const RequestContext kAlice{"alice", "p1", {"member", "reader"}, false};
const RequestContext kAdmin{"root", "p0", {"admin", "member"}, true};

}  // namespace

TEST(PolicyExpression, ChecksAndOperators) {
  EXPECT_TRUE(check("role:member", kAlice));
  EXPECT_TRUE(check("role:MEMBER", kAlice));  // roles compare case-insensitively
  EXPECT_FALSE(check("role:admin", kAlice));
  EXPECT_TRUE(check("user_id:%(user_id)s", kAlice));
  EXPECT_FALSE(check("user_id:%(user_id)s", kAlice, "bob"));
  EXPECT_TRUE(check("user_id:alice", kAlice, "bob"));  // a literal
  EXPECT_TRUE(check("project_id:p1", kAlice));
  // Nova's keypair target has no project_id: the check fails, as in Nova.
  EXPECT_FALSE(check("project_id:%(project_id)s", kAlice));
  EXPECT_TRUE(check("@", kAlice));
  EXPECT_FALSE(check("!", kAlice));
  EXPECT_TRUE(check("", kAlice));  // an empty rule always passes
  EXPECT_TRUE(check("role:admin or role:member", kAlice));
  EXPECT_FALSE(check("role:admin and role:member", kAlice));
  EXPECT_TRUE(check("not role:admin", kAlice));
  EXPECT_FALSE(check("not (role:admin or role:member)", kAlice));
  EXPECT_TRUE(check("role:admin or role:member and user_id:%(user_id)s", kAlice));
  EXPECT_FALSE(check("(role:admin or role:member) and user_id:%(user_id)s", kAlice, "bob"));
  EXPECT_TRUE(check("((role:reader))", kAlice));
  EXPECT_TRUE(check("role:admin OR NOT role:admin", kAlice));
  EXPECT_TRUE(check("is_admin:True", kAdmin));
  EXPECT_FALSE(check("is_admin:True", kAlice));
  EXPECT_TRUE(check("rule:context_is_admin", kAdmin));
  EXPECT_FALSE(check("rule:context_is_admin", kAlice));
  EXPECT_FALSE(check("rule:no_such_rule", kAlice));
  EXPECT_TRUE(check("'alice':%(user_id)s", kAlice));
}

TEST(PolicyExpression, MalformedExpressionsAreErrors) {
  for (const char* bad : {"role:admin or", "(role:admin", "role:admin)", "admin", "and",
                          "role:admin role:member", "not", "role:", "http://x/check", "() or @"}) {
    auto parsed = parse_policy_expression(bad);
    EXPECT_FALSE(parsed.check) << bad;
    EXPECT_FALSE(parsed.error.empty()) << bad;
  }
}

TEST(RulePolicy, NovaDefaultsAdminOrOwner) {
  DefaultKeypairPolicy policy;
  for (const char* action : {"index", "create", "show", "delete"}) {
    std::string rule = std::string("os_compute_api:os-keypairs:") + action;
    EXPECT_TRUE(policy.allows(rule, kAlice, "alice"));
    EXPECT_FALSE(policy.allows(rule, kAlice, "bob"));
    EXPECT_TRUE(policy.allows(rule, kAdmin, "bob"));
  }
  EXPECT_TRUE(policy.is_admin(kAdmin));
  EXPECT_FALSE(policy.is_admin(kAlice));
}

TEST(RulePolicy, OverridesAndCycles) {
  auto policy = policy_with({{"context_is_admin", "role:reader"}});
  ASSERT_TRUE(policy);
  EXPECT_TRUE(policy->is_admin(kAlice));
  EXPECT_TRUE(policy->allows("os_compute_api:os-keypairs:show", kAlice, "bob"));

  auto cyclic = RulePolicy::build({{"a", "rule:b"}, {"b", "rule:a or role:x"}}, nullptr);
  ASSERT_TRUE(std::holds_alternative<std::string>(cyclic));
  EXPECT_NE(std::get<std::string>(cyclic).find("refers to itself"), std::string::npos);

  std::vector<std::string> warnings;
  auto dangling = RulePolicy::build({{"a", "rule:missing"}}, &warnings);
  EXPECT_TRUE(std::holds_alternative<std::shared_ptr<RulePolicy>>(dangling));
  EXPECT_EQ(warnings.size(), 1u);

  auto broken =
      RulePolicy::build({{"os_compute_api:os-keypairs:create", "role:admin or"}}, nullptr);
  ASSERT_TRUE(std::holds_alternative<std::string>(broken));
  EXPECT_NE(std::get<std::string>(broken).find("os_compute_api:os-keypairs:create"),
            std::string::npos);
}

TEST(PolicyFile, YamlLines) {
  auto parsed = RulePolicy::parse_policy_text(
      "---\n# operators' overrides\n"
      "\"os_compute_api:os-keypairs:create\": \"role:admin\"\n"
      "'os_compute_api:os-keypairs:index': 'role:member or rule:context_is_admin'  # note\n"
      "os_compute_api:os-keypairs:show: role:reader # unquoted\n"
      "\"context_is_admin\": \"\"\n");
  ASSERT_TRUE(std::holds_alternative<Rules>(parsed)) << std::get<std::string>(parsed);
  auto rules = std::get<Rules>(parsed);
  EXPECT_EQ(rules.size(), 4u);
  EXPECT_EQ(rules["os_compute_api:os-keypairs:create"], "role:admin");
  EXPECT_EQ(rules["os_compute_api:os-keypairs:index"], "role:member or rule:context_is_admin");
  EXPECT_EQ(rules["os_compute_api:os-keypairs:show"], "role:reader");
  EXPECT_EQ(rules["context_is_admin"], "");
}

TEST(PolicyFile, JsonObject) {
  auto parsed = RulePolicy::parse_policy_text(R"({"a": "role:x", "b": ""})");
  ASSERT_TRUE(std::holds_alternative<Rules>(parsed));
  EXPECT_EQ(std::get<Rules>(parsed).at("a"), "role:x");
}

TEST(PolicyFile, UnsupportedYamlIsAnErrorWithItsLine) {
  for (const char* bad :
       {"\"a\": \"role:x\"\n  nested: 1\n", "just words\n", "\"a\": \"unterminated\n",
        "\"a\": [\"role:x\"]\n", "\"a\": \"role:x\" trailing\n"}) {
    auto parsed = RulePolicy::parse_policy_text(bad);
    ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << bad;
    EXPECT_EQ(std::get<std::string>(parsed).rfind("line ", 0), 0u) << bad;
  }
  EXPECT_TRUE(std::holds_alternative<std::string>(RulePolicy::parse_policy_text("{not json")));
}
