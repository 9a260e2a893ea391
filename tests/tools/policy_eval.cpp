// keypaird's side of the oslo.policy differential test: reads JSON lines
// {"rules": {name: expression}, "check": name, "target": {...}, "creds": {...}} on stdin and
// prints, one a line, what keypaird's own parser and evaluator (src/auth/policy.*) answer:
// allow, deny, or error (where oslo.policy would raise).
#include <boost/json.hpp>
#include <iostream>
#include <string>

#include "auth/policy.h"

using namespace keypaird::auth;

namespace {

std::vector<std::string> strings(const boost::json::value& value) {
  std::vector<std::string> out;
  for (const auto& item : value.as_array()) out.emplace_back(item.as_string());
  return out;
}

PolicyTarget target_from(const boost::json::object& object) {
  PolicyTarget target;
  for (const auto& [key, value] : object) {
    if (value.is_bool())
      target.emplace_back(std::string(key), value.as_bool());
    else if (value.is_array())
      target.emplace_back(std::string(key), strings(value));
    else
      target.emplace_back(std::string(key), std::string(value.as_string()));
  }
  return target;
}

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    auto value = boost::json::parse(line);
    const auto& c = value.as_object();
    std::map<std::string, std::string> rules;
    for (const auto& [name, text] : c.at("rules").as_object())
      rules[std::string(name)] = std::string(text.as_string());
    const auto& creds = c.at("creds").as_object();
    RequestContext context{std::string(creds.at("user_id").as_string()),
                           std::string(creds.at("project_id").as_string()),
                           keypaird::auth::RoleList(strings(creds.at("roles"))),
                           creds.at("is_admin").as_bool()};
    auto policy = RulePolicy::from_rules(rules);
    auto outcome = policy->evaluate_rule(std::string(c.at("check").as_string()), context,
                                         target_from(c.at("target").as_object()));
    std::cout << (outcome == PolicyOutcome::allow  ? "allow"
                  : outcome == PolicyOutcome::deny ? "deny"
                                                   : "error")
              << '\n';
  }
  return 0;
}
