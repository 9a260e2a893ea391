// RulePolicy: a hand-written recursive-descent parser for oslo.policy expressions (tokenised as
// oslo.policy's _parser.py does), a reader for the simple YAML / JSON policy files operators
// write, and the evaluator. Unlike oslo.policy, which logs a syntax error and treats the rule
// as "!", a malformed rule here is an error at start-up.
#include "auth/policy.h"

#include <boost/json.hpp>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

namespace keypaird::auth {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Token {
  enum class Kind { open, close, and_, or_, not_, check } kind;
  std::string text;
};

bool quoted(const std::string& s) {
  return s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front();
}

std::vector<Token> tokenize(const std::string& text) {
  std::vector<Token> tokens;
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    std::size_t open = 0;
    while (open < word.size() && word[open] == '(') {
      tokens.push_back({Token::Kind::open, "("});
      ++open;
    }
    word = word.substr(open);
    if (word.empty()) continue;
    std::size_t close = 0;
    while (close < word.size() && word[word.size() - 1 - close] == ')') ++close;
    std::string clean = word.substr(0, word.size() - close);
    std::string lowered = lower(clean);
    if (lowered == "and") {
      tokens.push_back({Token::Kind::and_, clean});
    } else if (lowered == "or") {
      tokens.push_back({Token::Kind::or_, clean});
    } else if (lowered == "not") {
      tokens.push_back({Token::Kind::not_, clean});
    } else if (!clean.empty()) {
      tokens.push_back({Token::Kind::check, clean});
    }
    for (std::size_t i = 0; i < close; ++i) tokens.push_back({Token::Kind::close, ")"});
  }
  return tokens;
}

class ExpressionParser {
 public:
  explicit ExpressionParser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  PolicyParse parse() {
    PolicyParse result;
    if (tokens_.empty()) {
      result.check = std::make_shared<PolicyCheck>(PolicyCheck{PolicyCheck::Kind::always});
      return result;
    }
    auto check = any_of();
    if (check && position_ != tokens_.size()) fail("unexpected '" + tokens_[position_].text + "'");
    if (!error_.empty()) {
      result.error = error_;
      return result;
    }
    result.check = check;
    return result;
  }

 private:
  PolicyCheckPtr any_of() {
    auto first = all_of();
    if (!first) return nullptr;
    std::vector<PolicyCheckPtr> terms{first};
    while (accept(Token::Kind::or_)) {
      auto next = all_of();
      if (!next) return nullptr;
      terms.push_back(next);
    }
    return combine(PolicyCheck::Kind::any_of, std::move(terms));
  }

  PolicyCheckPtr all_of() {
    auto first = unary();
    if (!first) return nullptr;
    std::vector<PolicyCheckPtr> terms{first};
    while (accept(Token::Kind::and_)) {
      auto next = unary();
      if (!next) return nullptr;
      terms.push_back(next);
    }
    return combine(PolicyCheck::Kind::all_of, std::move(terms));
  }

  PolicyCheckPtr unary() {
    if (position_ >= tokens_.size()) return fail("the expression ends too early");
    if (accept(Token::Kind::not_)) {
      auto operand = unary();
      if (!operand) return nullptr;
      auto node = std::make_shared<PolicyCheck>(PolicyCheck{PolicyCheck::Kind::negation});
      node->children.push_back(operand);
      return node;
    }
    if (accept(Token::Kind::open)) {
      auto inner = any_of();
      if (!inner) return nullptr;
      if (!accept(Token::Kind::close)) return fail("missing ')'");
      return inner;
    }
    const Token& token = tokens_[position_];
    if (token.kind != Token::Kind::check) return fail("unexpected '" + token.text + "'");
    ++position_;
    return check(token.text);
  }

  PolicyCheckPtr check(const std::string& text) {
    if (text == "@") return std::make_shared<PolicyCheck>(PolicyCheck{PolicyCheck::Kind::always});
    if (text == "!") return std::make_shared<PolicyCheck>(PolicyCheck{PolicyCheck::Kind::never});
    auto colon = text.find(':');
    if (colon == std::string::npos || colon == 0)
      return fail("'" + text + "' is not a check (expected kind:value, @ or !)");
    std::string kind = text.substr(0, colon);
    std::string match = text.substr(colon + 1);
    auto node = std::make_shared<PolicyCheck>();
    node->match = match;
    if (kind == "rule") {
      node->kind = PolicyCheck::Kind::rule;
      node->name = match;
    } else if (kind == "role") {
      node->kind = PolicyCheck::Kind::role;
    } else if (kind == "http" || kind == "https") {
      return fail("'" + text + "': http checks are not supported");
    } else {
      node->kind = PolicyCheck::Kind::generic;
      if (quoted(kind)) {
        node->literal_kind = true;
        kind = kind.substr(1, kind.size() - 2);
      }
      node->name = kind;
    }
    if (quoted(node->match)) node->match = node->match.substr(1, node->match.size() - 2);
    if (node->match.empty()) return fail("'" + text + "' has nothing after ':'");
    return node;
  }

  static PolicyCheckPtr combine(PolicyCheck::Kind kind, std::vector<PolicyCheckPtr> terms) {
    if (terms.size() == 1) return terms.front();
    auto node = std::make_shared<PolicyCheck>(PolicyCheck{kind});
    node->children = std::move(terms);
    return node;
  }

  bool accept(Token::Kind kind) {
    if (position_ < tokens_.size() && tokens_[position_].kind == kind) {
      ++position_;
      return true;
    }
    return false;
  }

  PolicyCheckPtr fail(const std::string& why) {
    if (error_.empty()) error_ = why;
    return nullptr;
  }

  std::vector<Token> tokens_;
  std::size_t position_ = 0;
  std::string error_;
};

// Python's `template % target` for %(name)s; nullopt where a name is missing (oslo's KeyError).
std::optional<std::string> substitute(const std::string& text,
                                      const std::map<std::string, std::string>& target) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "%(") == 0) {
      auto close = text.find(")s", i + 2);
      if (close == std::string::npos) return std::nullopt;
      auto it = target.find(text.substr(i + 2, close - i - 2));
      if (it == target.end()) return std::nullopt;
      out += it->second;
      i = close + 2;
    } else if (text.compare(i, 2, "%%") == 0) {
      out += '%';
      i += 2;
    } else {
      out += text[i++];
    }
  }
  return out;
}

void collect_references(const PolicyCheck& check, std::set<std::string>& out) {
  if (check.kind == PolicyCheck::Kind::rule) out.insert(check.name);
  for (const auto& child : check.children) collect_references(*child, out);
}

std::string unquote(std::string s) {
  if (quoted(s)) return s.substr(1, s.size() - 2);
  return s;
}

std::string trim(const std::string& s) {
  auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  auto end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

// The index of the ':' that ends a YAML key (outside quotes), or npos.
std::size_t key_colon(const std::string& line) {
  if (line.empty()) return std::string::npos;
  if (line.front() == '"' || line.front() == '\'') {
    auto end = line.find(line.front(), 1);
    if (end == std::string::npos) return std::string::npos;
    auto colon = line.find_first_not_of(" \t", end + 1);
    return colon != std::string::npos && line[colon] == ':' ? colon : std::string::npos;
  }
  // An unquoted key ends at the first ": " (or a ':' ending the line); rule names contain ':'.
  auto colon = line.find(": ");
  if (colon == std::string::npos && line.back() == ':') colon = line.size() - 1;
  return colon;
}

}  // namespace

PolicyParse parse_policy_expression(const std::string& text) {
  return ExpressionParser(tokenize(text)).parse();
}

std::map<std::string, std::string> RulePolicy::nova_defaults() {
  const std::string keypair_default = "rule:context_is_admin or user_id:%(user_id)s";
  return {
      {"context_is_admin", "role:admin"},
      {"admin_api", "is_admin:True"},
      {"admin_or_owner", "is_admin:True or project_id:%(project_id)s"},
      {"os_compute_api:os-keypairs:index", keypair_default},
      {"os_compute_api:os-keypairs:create", keypair_default},
      {"os_compute_api:os-keypairs:show", keypair_default},
      {"os_compute_api:os-keypairs:delete", keypair_default},
  };
}

std::variant<std::shared_ptr<RulePolicy>, std::string> RulePolicy::build(
    const std::map<std::string, std::string>& overrides, std::vector<std::string>* warnings) {
  auto texts = nova_defaults();
  for (const auto& [name, text] : overrides) texts[name] = text;
  auto policy = std::make_shared<RulePolicy>();
  for (const auto& [name, text] : texts) {
    auto parsed = parse_policy_expression(text);
    if (!parsed.check) return "policy rule \"" + name + "\": " + parsed.error;
    policy->rules_[name] = parsed.check;
  }
  // Rules that refer to themselves (directly or not) would never finish evaluating.
  std::map<std::string, int> state;  // 1 = being visited, 2 = done
  std::function<std::optional<std::string>(const std::string&)> visit =
      [&](const std::string& name) -> std::optional<std::string> {
    auto it = policy->rules_.find(name);
    if (it == policy->rules_.end() || state[name] == 2) return std::nullopt;
    if (state[name] == 1) return "policy rule \"" + name + "\" refers to itself";
    state[name] = 1;
    std::set<std::string> references;
    collect_references(*it->second, references);
    for (const auto& reference : references) {
      if (auto error = visit(reference)) return error;
      if (warnings && !policy->rules_.count(reference))
        warnings->push_back("policy rule \"" + name + "\" refers to the undefined rule \"" +
                            reference + "\", which never passes");
    }
    state[name] = 2;
    return std::nullopt;
  };
  for (const auto& [name, check] : policy->rules_)
    if (auto error = visit(name)) return *error;
  return policy;
}

std::variant<std::map<std::string, std::string>, std::string> RulePolicy::parse_policy_text(
    const std::string& text) {
  std::map<std::string, std::string> rules;
  auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') {
    boost::system::error_code error;
    auto value = boost::json::parse(text, error);
    if (error || !value.is_object()) return std::string("not a valid JSON object");
    for (const auto& [key, rule] : value.get_object()) {
      if (!rule.is_string())
        return "the rule \"" + std::string(key) +
               "\" is not a string (list rules are not "
               "supported)";
      rules[std::string(key)] = std::string(rule.get_string());
    }
    return rules;
  }
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t == "---" || t == "...") continue;
    auto where = "line " + std::to_string(number) + ": ";
    if (line[0] == ' ' || line[0] == '\t')
      return where + "only top-level \"rule\": \"expression\" lines are supported";
    auto colon = key_colon(t);
    if (colon == std::string::npos) return where + "expected \"rule name\": \"expression\"";
    std::string key = unquote(trim(t.substr(0, colon)));
    std::string value = trim(t.substr(colon + 1));
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      auto end = value.find(value.front(), 1);
      if (end == std::string::npos) return where + "unterminated quoted expression";
      std::string rest = trim(value.substr(end + 1));
      if (!rest.empty() && rest[0] != '#') return where + "text after the quoted expression";
      value = value.substr(1, end - 1);
    } else {
      auto comment = value.find(" #");
      if (comment != std::string::npos) value = trim(value.substr(0, comment));
      if (!value.empty() && (value[0] == '[' || value[0] == '{' || value[0] == '|' ||
                             value[0] == '>' || value[0] == '&' || value[0] == '*'))
        return where + "only plain string expressions are supported";
    }
    if (key.empty()) return where + "empty rule name";
    rules[key] = value;
  }
  return rules;
}

std::variant<std::shared_ptr<RulePolicy>, std::string> RulePolicy::load_file(
    const std::string& path, std::vector<std::string>* warnings) {
  std::ifstream file(path);
  if (!file) return "cannot read the policy file " + path;
  std::stringstream text;
  text << file.rdbuf();
  auto parsed = parse_policy_text(text.str());
  if (auto* error = std::get_if<std::string>(&parsed)) return path + ": " + *error;
  auto built = build(std::get<std::map<std::string, std::string>>(parsed), warnings);
  if (auto* error = std::get_if<std::string>(&built)) return path + ": " + *error;
  return built;
}

bool RulePolicy::check_rule(const std::string& name, const RequestContext& context,
                            const std::map<std::string, std::string>& target) const {
  std::function<bool(const PolicyCheck&)> evaluate = [&](const PolicyCheck& check) -> bool {
    switch (check.kind) {
      case PolicyCheck::Kind::always:
        return true;
      case PolicyCheck::Kind::never:
        return false;
      case PolicyCheck::Kind::rule: {
        auto it = rules_.find(check.name);
        return it != rules_.end() && evaluate(*it->second);  // build() refused cycles
      }
      case PolicyCheck::Kind::role: {
        auto role = substitute(check.match, target);
        if (!role) return false;
        auto wanted = lower(*role);
        for (const auto& r : context.roles)
          if (lower(r) == wanted) return true;
        return false;
      }
      case PolicyCheck::Kind::generic: {
        auto match = substitute(check.match, target);
        if (!match) return false;
        if (check.literal_kind) return check.name == *match;
        if (check.name == "user_id") return context.user_id == *match;
        if (check.name == "project_id") return context.project_id == *match;
        if (check.name == "is_admin") return (context.is_admin ? "True" : "False") == *match;
        if (check.name == "roles") {
          for (const auto& r : context.roles)
            if (r == *match) return true;
        }
        return false;  // a credential keypaird does not have
      }
      case PolicyCheck::Kind::all_of:
        for (const auto& child : check.children)
          if (!evaluate(*child)) return false;
        return true;
      case PolicyCheck::Kind::any_of:
        for (const auto& child : check.children)
          if (evaluate(*child)) return true;
        return false;
      case PolicyCheck::Kind::negation:
        return !evaluate(*check.children.front());
    }
    return false;
  };
  auto it = rules_.find(name);
  return it != rules_.end() && evaluate(*it->second);
}

bool RulePolicy::allows(const std::string& rule, const RequestContext& context,
                        const std::string& target_user_id) const {
  // Nova's keypair target holds the user id only, so project_id:%(project_id)s never passes in
  // these rules, exactly as in Nova.
  return check_rule(rule, context, {{"user_id", target_user_id}});
}

bool RulePolicy::is_admin(const RequestContext& context) const {
  // Nova checks context_is_admin with the credentials themselves as the target.
  return check_rule("context_is_admin", context,
                    {{"user_id", context.user_id}, {"project_id", context.project_id}});
}

DefaultKeypairPolicy::DefaultKeypairPolicy()
    : rules_(std::get<std::shared_ptr<RulePolicy>>(RulePolicy::build({}, nullptr))) {}

bool DefaultKeypairPolicy::allows(const std::string& rule, const RequestContext& context,
                                  const std::string& target_user_id) const {
  return rules_->allows(rule, context, target_user_id);
}

bool DefaultKeypairPolicy::is_admin(const RequestContext& context) const {
  return rules_->is_admin(context);
}

}  // namespace keypaird::auth
