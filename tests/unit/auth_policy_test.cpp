// The oslo.policy expression parser, policy files, and Nova's default keypair rules.
#include <gtest/gtest.h>

#include "auth/policy.h"

using namespace keypaird::auth;

namespace {

std::shared_ptr<RulePolicy> policy_with(std::map<std::string, std::string> overrides) {
  auto built = RulePolicy::build(overrides, nullptr);
  if (!built) {
    ADD_FAILURE() << built.status().message();
    return nullptr;
  }
  return std::move(built).value();
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
  // oslo.policy logs these and never lets them pass; keypaird reports them (and refuses them
  // in a policy file) but checks them the same way.
  for (const char* bad :
       {"role:admin or", "(role:admin", "role:admin)", "admin", "and", "role:admin role:member",
        "not", "role:", "http://x/check", "() or @", " ", "'role:admin'", ":x", "01:x"}) {
    auto parsed = parse_policy_expression(bad);
    ASSERT_TRUE(parsed.check) << bad;
    EXPECT_FALSE(parsed.error.empty()) << bad;
    auto policy = RulePolicy::from_rules({{"under_test", bad}});
    EXPECT_NE(policy->evaluate(*parsed.check, kAdmin, {{"user_id", std::string("root")}}),
              PolicyOutcome::allow)
        << bad;
  }
}

TEST(PolicyExpression, OsloQuirks) {
  auto outcome = [](const std::string& expression, const PolicyTarget& target = {}) {
    auto policy = RulePolicy::from_rules({{"under_test", expression}});
    return policy->evaluate_rule("under_test", kAlice, target);
  };
  // "a or b and c" is or(a, and(b, c)); not binds tighter than and.
  EXPECT_EQ(outcome("role:member or role:admin and !"), PolicyOutcome::allow);
  EXPECT_EQ(outcome("not role:admin and role:member"), PolicyOutcome::allow);
  // The empty rule passes; one made of whitespace does not parse, so it never passes.
  EXPECT_EQ(outcome(""), PolicyOutcome::allow);
  EXPECT_EQ(outcome(" \t"), PolicyOutcome::deny);
  // A lone operator or quoted word is what oslo's parser returns as the rule: checking it raises.
  EXPECT_EQ(outcome("and"), PolicyOutcome::error);
  EXPECT_EQ(outcome("'role:member'"), PolicyOutcome::error);
  // Left sides: Python literals compare their str(); names look into the credentials.
  EXPECT_EQ(outcome("True:%(flag)s", {{"flag", true}}), PolicyOutcome::allow);
  EXPECT_EQ(outcome("1:1"), PolicyOutcome::allow);
  EXPECT_EQ(outcome("'al''ice':%(u)s", {{"u", std::string("alice")}}), PolicyOutcome::allow);
  EXPECT_EQ(outcome("'alice:x"), PolicyOutcome::error);     // SyntaxError
  EXPECT_EQ(outcome("user_id.x:y"), PolicyOutcome::error);  // indexing a string
  EXPECT_EQ(outcome("tenant.id:y"), PolicyOutcome::deny);   // no such credential
  // Substitution is Python's %: a missing key is false, a bad format raises.
  EXPECT_EQ(outcome("user_id:%(missing)s"), PolicyOutcome::deny);
  EXPECT_EQ(outcome("user_id:%(u)z", {{"u", std::string("alice")}}), PolicyOutcome::error);
  EXPECT_EQ(outcome("user_id:%(u).5s", {{"u", std::string("alice!")}}), PolicyOutcome::allow);
  // A rule that does not exist means "default" when there is one.
  auto with_default = RulePolicy::from_rules({{"a", "rule:nope"}, {"default", "@"}});
  EXPECT_EQ(with_default->evaluate_rule("a", kAlice, {}), PolicyOutcome::allow);
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
  ASSERT_FALSE(cyclic.is_ok());
  EXPECT_TRUE(cyclic.status().is(keypaird::ErrorKind::invalid_input));
  EXPECT_NE(cyclic.status().message().find("refers to itself"), std::string::npos);

  std::vector<std::string> warnings;
  auto dangling = RulePolicy::build({{"a", "rule:missing"}}, &warnings);
  EXPECT_TRUE(dangling.is_ok());
  ASSERT_EQ(warnings.size(), 2u);  // "a" refers to nothing, and nothing refers to "a"
  EXPECT_NE(warnings[0].find("\"missing\""), std::string::npos);
  EXPECT_NE(warnings[1].find("\"a\" is not a rule keypaird knows"), std::string::npos);

  auto broken =
      RulePolicy::build({{"os_compute_api:os-keypairs:create", "role:admin or"}}, nullptr);
  ASSERT_FALSE(broken.is_ok());
  EXPECT_NE(broken.status().message().find("os_compute_api:os-keypairs:create"), std::string::npos);
}

TEST(PolicyFile, YamlLines) {
  auto parsed = RulePolicy::parse_policy_text(
      "---\n# operators' overrides\n"
      "\"os_compute_api:os-keypairs:create\": \"role:admin\"\n"
      "'os_compute_api:os-keypairs:index': 'role:member or rule:context_is_admin'  # note\n"
      "os_compute_api:os-keypairs:show: role:reader # unquoted\n"
      "\"context_is_admin\": \"\"\n");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  auto rules = *parsed;
  EXPECT_EQ(rules.size(), 4u);
  EXPECT_EQ(rules["os_compute_api:os-keypairs:create"], "role:admin");
  EXPECT_EQ(rules["os_compute_api:os-keypairs:index"], "role:member or rule:context_is_admin");
  EXPECT_EQ(rules["os_compute_api:os-keypairs:show"], "role:reader");
  EXPECT_EQ(rules["context_is_admin"], "");
}

TEST(PolicyFile, JsonObject) {
  auto parsed = RulePolicy::parse_policy_text(R"({"a": "role:x", "b": ""})");
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(parsed->at("a"), "role:x");
}

TEST(PolicyFile, UnsupportedYamlIsAnErrorWithItsLine) {
  for (const char* bad :
       {"\"a\": \"role:x\"\n  nested: 1\n", "just words\n", "\"a\": \"unterminated\n",
        "\"a\": [\"role:x\"]\n", "\"a\": \"role:x\" trailing\n"}) {
    auto parsed = RulePolicy::parse_policy_text(bad);
    ASSERT_FALSE(parsed.is_ok()) << bad;
    EXPECT_TRUE(parsed.status().is(keypaird::ErrorKind::invalid_input)) << bad;
    EXPECT_EQ(parsed.status().message().rfind("line ", 0), 0u) << bad;
  }
  EXPECT_FALSE(RulePolicy::parse_policy_text("{not json").is_ok());
}
