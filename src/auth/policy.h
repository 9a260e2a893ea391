// Authorization of the four keypair actions in oslo.policy's rule language. Nova's default for
// each is "rule:context_is_admin or user_id:%(user_id)s" (context_is_admin = "role:admin"):
// admins may act for anyone, others only for themselves. An operator's policy file (YAML or
// JSON, as in nova.conf's [oslo_policy] policy_file) may override any rule.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "auth/request_context.h"
#include "common/status.h"

namespace keypaird::auth {

class Policy {
 public:
  virtual ~Policy() = default;
  // `rule` is e.g. "os_compute_api:os-keypairs:create"; `target_user_id` whose keypairs.
  // Thread-safe (policies are immutable once built).
  virtual bool allows(const std::string& rule, const RequestContext& context,
                      const std::string& target_user_id) const = 0;
  // Nova's check_is_admin: the context_is_admin rule for these credentials.
  virtual bool is_admin(const RequestContext& context) const = 0;
};

// One parsed rule expression (a tree of checks), shaped as oslo.policy's parser shapes it.
struct PolicyCheck {
  enum class Kind {
    always,
    never,
    rule,
    role,
    generic,
    remote,  // http: / https: (oslo POSTs to a server; keypaird never does: an error)
    broken,  // oslo's parser returned a bare token ("and", "(", 'quoted'): raises when checked
    all_of,
    any_of,
    negation
  } kind;
  std::string name;   // rule: the rule's name; generic: the left side as written
  std::string match;  // role, generic, remote: the right-hand side as written, may hold %(name)s
  // generic: how oslo reads the left side (ast.literal_eval, else a credential path)
  enum class Left { path, literal, invalid, unsupported } left = Left::path;
  std::string literal;            // Left::literal: str() of the Python literal
  std::vector<std::string> path;  // Left::path: the credential path, split at '.'
  std::vector<std::shared_ptr<const PolicyCheck>> children;
};
using PolicyCheckPtr = std::shared_ptr<const PolicyCheck>;

struct PolicyParse {
  PolicyCheckPtr check;  // never null: what oslo.policy would check (a parse failure is "!")
  std::string error;     // set where oslo.policy would log a problem or raise when checking
};

// Parses an oslo.policy expression as oslo.policy 4.0 does: role:, rule:, http(s):, key:value
// generic checks with %(name)s, @ (always), ! (never), and, or, not, parentheses. The empty
// expression always passes; one that does not parse never does.
PolicyParse parse_policy_expression(const std::string& text);

// A value in a policy target: Nova's targets hold strings; check_is_admin passes the
// credentials themselves (a role list, the is_admin flag).
using PolicyValue = std::variant<std::string, bool, std::vector<std::string>>;
using PolicyTarget = std::vector<std::pair<std::string, PolicyValue>>;  // in Python's dict order

// The outcome of one check: oslo.policy answers true, false, or raises (Nova then answers 500;
// keypaird denies).
enum class PolicyOutcome { deny, allow, error };

class RulePolicy final : public Policy {
 public:
  // Nova's defaults for the keypair rules and the base rules they use.
  static std::map<std::string, std::string> nova_defaults();

  // Nova's defaults, overridden by `overrides`. Errors name the offending rule: unlike
  // oslo.policy, which logs a broken rule and treats it as "!", keypaird refuses it. Warns about
  // override names no rule uses (a typo leaves the default in force).
  // Errors are invalid_input.
  static Result<std::shared_ptr<RulePolicy>> build(
      const std::map<std::string, std::string>& overrides, std::vector<std::string>* warnings);
  // Exactly `rules`, each as oslo.policy parses it, broken ones included (no defaults, no
  // refusals): what an oslo Enforcer holds after loading them. For comparing with oslo.
  static std::shared_ptr<RulePolicy> from_rules(const std::map<std::string, std::string>& rules);
  // Reads a policy file: YAML made of `"name": "expression"` lines, or a JSON object, either
  // possibly after a UTF-8 byte order mark. A directory or an unreadable path is an error
  // (invalid_input, as are bad rules).
  static Result<std::shared_ptr<RulePolicy>> load_file(const std::string& path,
                                                       std::vector<std::string>* warnings);
  // The same, from the file's text (for tests).
  static Result<std::map<std::string, std::string>> parse_policy_text(const std::string& text);

  bool allows(const std::string& rule, const RequestContext& context,
              const std::string& target_user_id) const override;
  bool is_admin(const RequestContext& context) const override;

  // Evaluates rule `name` for `context` against a target (name -> value).
  bool check_rule(const std::string& name, const RequestContext& context,
                  const std::map<std::string, std::string>& target) const;
  // The same, with oslo.policy's three outcomes and a target in Python's dict order.
  PolicyOutcome evaluate_rule(const std::string& name, const RequestContext& context,
                              const PolicyTarget& target) const;
  // Evaluates an expression that is not one of the rules, as Enforcer.enforce does a Check.
  PolicyOutcome evaluate(const PolicyCheck& check, const RequestContext& context,
                         const PolicyTarget& target) const;

 private:
  std::map<std::string, PolicyCheckPtr> rules_;
};

// Nova's default policy, with no file (kept for callers that need no configuration).
class DefaultKeypairPolicy final : public Policy {
 public:
  DefaultKeypairPolicy();
  bool allows(const std::string& rule, const RequestContext& context,
              const std::string& target_user_id) const override;
  bool is_admin(const RequestContext& context) const override;

 private:
  std::shared_ptr<RulePolicy> rules_;
};

// A Policy whose rules can be replaced while requests are being checked (SIGHUP reloads the
// policy file). Every check sees either the old rules or the new ones, never a mix.
// Thread-safe.
class ReloadablePolicy final : public Policy {
 public:
  explicit ReloadablePolicy(std::shared_ptr<const Policy> initial) : current_(std::move(initial)) {}
  void replace(std::shared_ptr<const Policy> next) { current_.store(std::move(next)); }

  bool allows(const std::string& rule, const RequestContext& context,
              const std::string& target_user_id) const override {
    return current_.load()->allows(rule, context, target_user_id);
  }
  bool is_admin(const RequestContext& context) const override {
    return current_.load()->is_admin(context);
  }

 private:
  std::atomic<std::shared_ptr<const Policy>> current_;
};

}  // namespace keypaird::auth
