// RulePolicy: a parser for oslo.policy expressions that builds the tree oslo.policy 4.0's
// _parser.py builds (same tokenising, same greedy shift-reduce, same quirks), a reader for the
// simple YAML / JSON policy files operators write, and an evaluator that answers what
// oslo.policy's checks answer, raising included. Unlike oslo.policy, which logs a syntax error
// and treats the rule as "!", a malformed rule here is an error at start-up.
#include "auth/policy.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>

#include "common/text.h"
#include "common/utf8.h"

namespace keypaird::auth {

namespace {

// The length in bytes of the UTF-8 character at `i` if Python's str.isspace() holds for it
// (oslo splits expressions with re.split(r'\s+')), else 0.
std::size_t space_length(const std::string& s, std::size_t i) {
  auto byte = [&](std::size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
  unsigned c = byte(i);
  if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) return 1;
  if (c == 0xc2 && (byte(i + 1) == 0x85 || byte(i + 1) == 0xa0)) return 2;  // U+0085, U+00A0
  if (c == 0xe1 && byte(i + 1) == 0x9a && byte(i + 2) == 0x80) return 3;    // U+1680
  if (c == 0xe2 && byte(i + 1) == 0x80) {
    unsigned d = byte(i + 2);
    if ((d >= 0x80 && d <= 0x8a) || d == 0xa8 || d == 0xa9 || d == 0xaf) return 3;  // U+2000..
  }
  if (c == 0xe2 && byte(i + 1) == 0x81 && byte(i + 2) == 0x9f) return 3;  // U+205F
  if (c == 0xe3 && byte(i + 1) == 0x80 && byte(i + 2) == 0x80) return 3;  // U+3000
  return 0;
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (std::size_t i = 0; i < text.size();) {
    if (auto n = space_length(text, i)) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
      i += n;
    } else {
      word += text[i++];
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
  return n;
}

// ---- Python's `template % target` -------------------------------------------------------

enum class Formatted { ok, missing_key, error };  // error: ValueError / TypeError in Python

// Python's repr() of a str, for the ASCII strings ids and roles are; nullopt otherwise.
std::optional<std::string> python_repr(const std::string& s) {
  bool single = s.find('\'') != std::string::npos;
  bool dbl = s.find('"') != std::string::npos;
  char quote = single && !dbl ? '"' : '\'';
  std::string out(1, quote);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) return std::nullopt;
    if (ch == quote || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  return out + quote;
}

std::optional<std::string> python_repr(const PolicyValue& value);

std::optional<std::string> python_str(const PolicyValue& value) {
  if (auto* s = std::get_if<std::string>(&value)) return *s;
  return python_repr(value);
}

std::optional<std::string> python_repr(const PolicyValue& value) {
  if (auto* s = std::get_if<std::string>(&value)) return python_repr(*s);
  if (auto* b = std::get_if<bool>(&value)) return std::string(*b ? "True" : "False");
  std::string out = "[";
  for (const auto& item : std::get<std::vector<std::string>>(value)) {
    auto r = python_repr(item);
    if (!r) return std::nullopt;
    out += (out.size() > 1 ? ", " : "") + *r;
  }
  return out + "]";
}

// str() of the whole target, which is what a bare %s formats when the argument is a dict.
std::optional<std::string> python_str(const PolicyTarget& target) {
  std::string out = "{";
  for (const auto& [key, value] : target) {
    auto k = python_repr(key);
    auto v = python_repr(value);
    if (!k || !v) return std::nullopt;
    out += (out.size() > 1 ? ", " : "") + *k + ": " + *v;
  }
  return out + "}";
}

// Formats `text` as Python's `text % target` does, left to right, so that the first problem
// met decides: a missing key (KeyError, which the checks turn into false) or a malformed or
// unsupported conversion (an exception). Conversions: %%, s, r and a with '-', width and
// precision; anything else is treated as raising.
Formatted python_format(const std::string& text, const PolicyTarget& target, std::string& out) {
  out.clear();
  std::size_t i = 0, n = text.size();
  while (i < n) {
    if (text[i] != '%') {
      out += text[i++];
      continue;
    }
    if (++i >= n) return Formatted::error;  // incomplete format
    if (text[i] == '%') {
      out += '%';
      ++i;
      continue;
    }
    std::optional<std::string> value;
    if (text[i] == '(') {
      int depth = 1;
      std::size_t start = ++i;
      while (i < n && depth > 0) {
        if (text[i] == '(') ++depth;
        if (text[i] == ')') --depth;
        ++i;
      }
      if (depth > 0) return Formatted::error;  // incomplete format key
      auto key = text.substr(start, i - 1 - start);
      const PolicyValue* found = nullptr;
      for (const auto& [name, v] : target)
        if (name == key) found = &v;
      if (!found) return Formatted::missing_key;
      value = python_str(*found);
      // The conversion decides between str() and repr(); keep the value to format below.
      bool left = false;
      std::size_t width = 0;
      std::optional<std::size_t> precision;
      while (i < n && std::strchr("-+ #0", text[i])) {
        if (text[i] != '-') return Formatted::error;  // flags keypaird does not emulate
        left = true;
        ++i;
      }
      while (i < n && std::isdigit(static_cast<unsigned char>(text[i])))
        width = width * 10 + static_cast<std::size_t>(text[i++] - '0');
      if (i < n && text[i] == '*') return Formatted::error;
      if (i < n && text[i] == '.') {
        ++i;
        if (i < n && text[i] == '*') return Formatted::error;
        precision = 0;
        while (i < n && std::isdigit(static_cast<unsigned char>(text[i])))
          *precision = *precision * 10 + static_cast<std::size_t>(text[i++] - '0');
      }
      while (i < n && (text[i] == 'h' || text[i] == 'l' || text[i] == 'L')) ++i;
      if (i >= n) return Formatted::error;  // incomplete format
      char conversion = text[i++];
      if (conversion == 'r' || conversion == 'a')
        value = python_repr(*found);
      else if (conversion != 's')
        return Formatted::error;  // numbers of strings raise; other letters are not formats
      if (!value) return Formatted::error;
      std::string piece = *value;
      if (precision && code_points(piece) > *precision) {
        std::size_t kept = 0, bytes = 0;
        while (bytes < piece.size()) {
          if ((static_cast<unsigned char>(piece[bytes]) & 0xc0) != 0x80 && kept++ == *precision)
            break;
          ++bytes;
        }
        piece.resize(bytes);
      }
      std::size_t length = code_points(piece);
      std::string pad(width > length ? width - length : 0, ' ');
      out += left ? piece + pad : pad + piece;
      continue;
    }
    // A conversion with no key formats the whole target dict (only the plain form here).
    if (text[i] != 's') return Formatted::error;
    ++i;
    auto whole = python_str(target);
    if (!whole) return Formatted::error;
    out += *whole;
  }
  return Formatted::ok;
}

// ---- the left side of a generic check: ast.literal_eval, else a credential path ---------

bool identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

bool python_keyword(const std::string& s) {
  static const std::set<std::string> keywords = {
      "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
      "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
      "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
      "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};
  return keywords.count(s) > 0;
}

// Reads Python string literals ('x', "x", u'x', r'x', adjacent ones concatenated) making up
// all of `s`. Sets `left` to invalid (SyntaxError) or unsupported (a form keypaird does not
// read) where that is what `s` is.
std::optional<std::string> python_strings(const std::string& s, PolicyCheck::Left& left) {
  std::string value;
  std::size_t i = 0;
  while (i < s.size()) {
    bool raw = false;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) {
      char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
      if (p == 'r') {
        raw = true;
      } else if (p != 'u') {
        left = PolicyCheck::Left::unsupported;  // bytes, f-strings
        return std::nullopt;
      }
      ++i;
    }
    if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) {
      left = PolicyCheck::Left::unsupported;
      return std::nullopt;
    }
    char quote = s[i++];
    if (s.compare(i, 2, std::string(2, quote)) == 0) {  // triple quotes
      left = PolicyCheck::Left::unsupported;
      return std::nullopt;
    }
    bool closed = false;
    while (i < s.size()) {
      char c = s[i++];
      if (c == quote) {
        closed = true;
        break;
      }
      if (c != '\\') {
        value += c;
        continue;
      }
      if (i >= s.size()) break;
      char e = s[i++];
      if (raw) {
        value += '\\';
        value += e;
        continue;
      }
      static const std::string simple = "\\'\"abfnrtv";
      static const std::string meant = "\\'\"\a\b\f\n\r\t\v";
      if (auto k = simple.find(e); k != std::string::npos) {
        value += meant[k];
      } else if (e == 'x') {
        if (i + 2 > s.size() || !std::isxdigit(static_cast<unsigned char>(s[i])) ||
            !std::isxdigit(static_cast<unsigned char>(s[i + 1]))) {
          left = PolicyCheck::Left::invalid;
          return std::nullopt;
        }
        append_utf8(value, static_cast<char32_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
        i += 2;
      } else if (e >= '0' && e <= '7') {
        unsigned code = static_cast<unsigned>(e - '0');
        for (int k = 0; k < 2 && i < s.size() && s[i] >= '0' && s[i] <= '7'; ++k)
          code = code * 8 + static_cast<unsigned>(s[i++] - '0');
        append_utf8(value, static_cast<char32_t>(code));
      } else if (e == 'N' || e == 'u' || e == 'U') {
        left = PolicyCheck::Left::unsupported;
        return std::nullopt;
      } else {
        value += '\\';  // an unknown escape keeps its backslash
        value += e;
      }
    }
    if (!closed) {
      left = PolicyCheck::Left::invalid;  // unterminated string literal
      return std::nullopt;
    }
  }
  return value;
}

// How GenericCheck reads `kind`: ast.literal_eval(kind) and str() of the value; where that
// raises ValueError (a name, an attribute, an operator), a '.'-separated path into the
// credentials; where it raises SyntaxError, the check raises.
void classify_left(PolicyCheck& check) {
  const std::string& kind = check.name;
  using Left = PolicyCheck::Left;
  if (kind.empty()) {
    check.left = Left::invalid;
    return;
  }
  if (kind == "True" || kind == "False" || kind == "None") {
    check.left = Left::literal;
    check.literal = kind;
    return;
  }
  // Integers, with at most one sign (more signs are an expression: ValueError, a path).
  std::size_t signs = 0;
  while (signs < kind.size() && (kind[signs] == '-' || kind[signs] == '+')) ++signs;
  std::string digits = kind.substr(signs);
  if (!digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    bool zeros = digits.find_first_not_of('0') == std::string::npos;
    if (digits.size() > 1 && digits[0] == '0' && !zeros) {
      check.left = Left::invalid;  // leading zeros in a decimal integer
    } else if (signs > 1) {
      check.left = Left::path;
      check.path = {kind};
    } else {
      check.left = Left::literal;
      check.literal = zeros ? "0" : (kind[0] == '-' ? "-" : "") + digits;
    }
    return;
  }
  if (kind.find('\'') != std::string::npos || kind.find('"') != std::string::npos) {
    auto value = python_strings(kind, check.left);
    if (value) {
      check.left = Left::literal;
      check.literal = *value;
    }
    return;
  }
  // Names and attributes: a path. True.x is an attribute of a constant; x.True is not Python.
  std::vector<std::string> segments;
  std::size_t start = 0;
  for (;;) {
    auto dot = kind.find('.', start);
    segments.push_back(kind.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  bool names = true, keyword = false;
  for (std::size_t k = 0; k < segments.size(); ++k) {
    if (!identifier(segments[k])) names = false;
    bool constant = segments[k] == "True" || segments[k] == "False" || segments[k] == "None";
    if (python_keyword(segments[k]) && !(k == 0 && constant)) keyword = true;
  }
  if (names) {
    check.left = keyword ? Left::invalid : Left::path;
    if (!keyword) check.path = segments;
    return;
  }
  if (kind.find_first_of("$?`!@\\") != std::string::npos || kind.front() == '.' ||
      kind.back() == '.') {
    check.left = Left::invalid;
    return;
  }
  check.left = Left::unsupported;
}

// ---- tokens and the shift-reduce parser -------------------------------------------------

using MutableCheck = std::shared_ptr<PolicyCheck>;

MutableCheck make(PolicyCheck::Kind kind) {
  auto node = std::make_shared<PolicyCheck>();
  node->kind = kind;
  return node;
}

struct Token {
  enum class Kind { open, close, and_, or_, not_, check, string, and_expr, or_expr } kind;
  std::string text;
  PolicyCheckPtr node;  // check, and_expr, or_expr
};

// The credentials keypaird has; paths into them past a scalar or into a role raise in oslo.
bool credential_key(const std::string& key) {
  return key == "user_id" || key == "project_id" || key == "roles" || key == "is_admin";
}

std::string format_problem(const std::string& match) {
  PolicyTarget anything;
  // Every key present (as a string): what remains is a malformed or unsupported format.
  std::size_t at = 0;
  while ((at = match.find("%(", at)) != std::string::npos) {
    auto close = match.find(')', at);
    anything.emplace_back(
        match.substr(at + 2, close == std::string::npos ? std::string::npos : close - at - 2),
        std::string("x"));
    at += 2;
  }
  std::string out;
  auto result = python_format(match, anything, out);
  return result == Formatted::error ? "'" + match + "' is not a format keypaird reads" : "";
}

// One check word (no whitespace, outer parentheses removed), as oslo's _parse_check reads it.
MutableCheck parse_check(const std::string& text, std::vector<std::string>& problems) {
  if (text == "!") return make(PolicyCheck::Kind::never);
  if (text == "@") return make(PolicyCheck::Kind::always);
  auto colon = text.find(':');
  if (colon == std::string::npos) {
    problems.push_back("'" + text + "' is not a check (expected kind:value, @ or !)");
    return make(PolicyCheck::Kind::never);
  }
  std::string kind = text.substr(0, colon);
  MutableCheck node;
  if (kind == "http" || kind == "https") {
    node = make(PolicyCheck::Kind::remote);
    problems.push_back("'" + text + "': http checks are not supported");
  } else if (kind == "rule") {
    node = make(PolicyCheck::Kind::rule);
  } else if (kind == "role") {
    node = make(PolicyCheck::Kind::role);
  } else {
    node = make(PolicyCheck::Kind::generic);
  }
  node->name = kind;
  node->match = text.substr(colon + 1);
  if (node->kind == PolicyCheck::Kind::rule) node->name = node->match;
  if (node->match.empty()) problems.push_back("'" + text + "' has nothing after ':'");
  if (node->kind == PolicyCheck::Kind::role || node->kind == PolicyCheck::Kind::generic) {
    if (auto problem = format_problem(node->match); !problem.empty()) problems.push_back(problem);
  }
  if (node->kind == PolicyCheck::Kind::generic) {
    classify_left(*node);
    using Left = PolicyCheck::Left;
    if (node->left == Left::invalid)
      problems.push_back("'" + text + "': '" + kind + "' is not valid on the left of ':'");
    if (node->left == Left::unsupported)
      problems.push_back("'" + text + "': keypaird does not read '" + kind + "'");
    if (node->left == Left::path && node->path.size() > 1 && credential_key(node->path[0]))
      problems.push_back("'" + text + "': " + node->path[0] + " has no fields");
  }
  return node;
}

std::vector<Token> tokenize(const std::string& text, std::vector<std::string>& problems) {
  std::vector<Token> tokens;
  for (std::string word : split_words(text)) {
    std::size_t open = word.find_first_not_of('(');
    if (open == std::string::npos) open = word.size();
    for (std::size_t k = 0; k < open; ++k) tokens.push_back({Token::Kind::open, "("});
    word = word.substr(open);
    if (word.empty()) continue;
    std::size_t trail = 0;
    while (trail < word.size() && word[word.size() - 1 - trail] == ')') ++trail;
    std::string clean = word.substr(0, word.size() - trail);
    std::string lowered = ascii_lower(clean);
    if (lowered == "and") {
      tokens.push_back({Token::Kind::and_, clean});
    } else if (lowered == "or") {
      tokens.push_back({Token::Kind::or_, clean});
    } else if (lowered == "not") {
      tokens.push_back({Token::Kind::not_, clean});
    } else if (!clean.empty()) {
      // A word in quotes (the trailing parentheses included) is a string, which no rule of
      // the grammar takes.
      if (word.size() >= 2 && (word.front() == '"' || word.front() == '\'') &&
          word.back() == word.front())
        tokens.push_back({Token::Kind::string, word.substr(1, word.size() - 2)});
      else
        tokens.push_back({Token::Kind::check, clean, parse_check(clean, problems)});
    }
    for (std::size_t k = 0; k < trail; ++k) tokens.push_back({Token::Kind::close, ")"});
  }
  return tokens;
}

// oslo's ParseState: after every token, reduce the end of the stack for as long as one of the
// grammar's patterns matches it. "a or b and c" becomes or(a, and(b, c)) through the
// or_expr-and-check rule, which takes the or's last term into an and.
class ShiftReduce {
 public:
  void shift(Token token) {
    stack_.push_back(std::move(token));
    while (reduce()) {
    }
  }
  std::vector<Token>& stack() { return stack_; }

 private:
  using K = Token::Kind;

  bool reduce() {
    std::size_t n = stack_.size();
    auto at = [&](std::size_t back) { return stack_[n - back].kind; };
    auto expression = [](K k) { return k == K::check || k == K::and_expr || k == K::or_expr; };
    if (n >= 3 && at(3) == K::open && expression(at(2)) && at(1) == K::close)
      return replace(3, {K::check, "", stack_[n - 2].node});
    if (n >= 3 && (at(2) == K::and_ || at(2) == K::or_) && at(1) == K::check) {
      PolicyCheckPtr left = stack_[n - 3].node, right = stack_[n - 1].node;
      bool conjunction = at(2) == K::and_;
      if (conjunction && at(3) == K::check)
        return replace(3, {K::and_expr, "", join(PolicyCheck::Kind::all_of, {left, right})});
      if (conjunction && at(3) == K::and_expr)
        return replace(3, {K::and_expr, "", extend(*left, right)});
      if (conjunction && at(3) == K::or_expr) {
        auto terms = left->children;
        auto last = terms.back();
        terms.pop_back();
        terms.push_back(last->kind == PolicyCheck::Kind::all_of
                            ? extend(*last, right)
                            : join(PolicyCheck::Kind::all_of, {last, right}));
        return replace(3, {K::or_expr, "", join(PolicyCheck::Kind::any_of, std::move(terms))});
      }
      if (!conjunction && (at(3) == K::check || at(3) == K::and_expr))
        return replace(3, {K::or_expr, "", join(PolicyCheck::Kind::any_of, {left, right})});
      if (!conjunction && at(3) == K::or_expr)
        return replace(3, {K::or_expr, "", extend(*left, right)});
    }
    if (n >= 2 && at(2) == K::not_ && at(1) == K::check)
      return replace(2, {K::check, "", join(PolicyCheck::Kind::negation, {stack_[n - 1].node})});
    return false;
  }

  static PolicyCheckPtr join(PolicyCheck::Kind kind, std::vector<PolicyCheckPtr> children) {
    auto node = make(kind);
    node->children = std::move(children);
    return node;
  }
  static PolicyCheckPtr extend(const PolicyCheck& list, PolicyCheckPtr term) {
    auto node = std::make_shared<PolicyCheck>(list);
    node->children.push_back(std::move(term));
    return node;
  }
  bool replace(std::size_t count, Token token) {
    stack_.resize(stack_.size() - count);
    stack_.push_back(std::move(token));
    return true;
  }

  std::vector<Token> stack_;
};

// Why a token stream did not reduce to one expression, in words.
std::string parse_failure(const std::vector<Token>& tokens) {
  if (tokens.empty()) return "the expression is only whitespace";
  long depth = 0;
  for (const auto& token : tokens) {
    if (token.kind == Token::Kind::open) ++depth;
    if (token.kind == Token::Kind::close && --depth < 0) return "unexpected ')'";
  }
  if (depth > 0) return "missing ')'";
  auto last = tokens.back().kind;
  if (last == Token::Kind::and_ || last == Token::Kind::or_ || last == Token::Kind::not_)
    return "the expression ends too early";
  for (const auto& token : tokens)
    if (token.kind == Token::Kind::string) return "'" + token.text + "' in quotes is not a check";
  return "the checks are not joined by and / or";
}

// ---- evaluation -------------------------------------------------------------------------

// What one check does in oslo: return true or false, raise KeyError (which a rule: check
// around it turns into false), or raise anything else.
enum class Outcome { deny, allow, key_error, error };

using RuleMap = std::map<std::string, PolicyCheckPtr>;

// Rules.__missing__: a name that is not a rule means the rule "default", if there is one.
const PolicyCheck* find_rule(const RuleMap& rules, const std::string& name) {
  auto it = rules.find(name);
  if (it == rules.end()) it = rules.find("default");
  return it == rules.end() ? nullptr : it->second.get();
}

struct Evaluation {
  const RuleMap& rules;
  const RequestContext& context;
  const PolicyTarget& target;
  int depth = 0;

  Outcome generic(const PolicyCheck& check, const std::string& match) const {
    using Left = PolicyCheck::Left;
    if (check.left == Left::literal) return match == check.literal ? Outcome::allow : Outcome::deny;
    if (check.left != Left::path) return Outcome::error;
    const auto& key = check.path[0];
    bool more = check.path.size() > 1;
    std::string value;
    if (key == "user_id") {
      value = context.user_id;
    } else if (key == "project_id") {
      value = context.project_id;
    } else if (key == "is_admin") {
      value = context.is_admin ? "True" : "False";
    } else if (key == "roles") {
      if (more) return context.roles.empty() ? Outcome::deny : Outcome::error;
      for (const auto& role : context.roles)
        if (role == match) return Outcome::allow;
      return Outcome::deny;
    } else {
      return Outcome::deny;  // KeyError in the credentials: false
    }
    if (more) return Outcome::error;  // indexing a string or a bool
    return value == match ? Outcome::allow : Outcome::deny;
  }

  Outcome run(const PolicyCheck& check) {
    switch (check.kind) {
      case PolicyCheck::Kind::always:
        return Outcome::allow;
      case PolicyCheck::Kind::never:
        return Outcome::deny;
      case PolicyCheck::Kind::broken:
        return Outcome::error;
      case PolicyCheck::Kind::rule: {
        const PolicyCheck* rule = find_rule(rules, check.name);
        if (!rule) return Outcome::deny;
        if (depth >= 100) return Outcome::error;  // Python's RecursionError
        ++depth;
        auto outcome = run(*rule);
        --depth;
        return outcome == Outcome::key_error ? Outcome::deny : outcome;
      }
      case PolicyCheck::Kind::remote: {
        std::string url;
        auto formatted = python_format(check.name + ":" + check.match, target, url);
        if (formatted == Formatted::missing_key) return Outcome::key_error;
        return Outcome::error;  // keypaird asks no server
      }
      case PolicyCheck::Kind::role:
      case PolicyCheck::Kind::generic: {
        std::string match;
        auto formatted = python_format(check.match, target, match);
        if (formatted == Formatted::missing_key) return Outcome::deny;
        if (formatted == Formatted::error) return Outcome::error;
        if (check.kind == PolicyCheck::Kind::generic) return generic(check, match);
        auto wanted = ascii_lower(match);
        for (const auto& role : context.roles)
          if (ascii_lower(role) == wanted) return Outcome::allow;
        return Outcome::deny;
      }
      case PolicyCheck::Kind::all_of:
        for (const auto& child : check.children)
          if (auto outcome = run(*child); outcome != Outcome::allow) return outcome;
        return Outcome::allow;
      case PolicyCheck::Kind::any_of:
        for (const auto& child : check.children)
          if (auto outcome = run(*child); outcome != Outcome::deny) return outcome;
        return Outcome::deny;
      case PolicyCheck::Kind::negation:
        switch (auto outcome = run(*check.children.front())) {
          case Outcome::allow:
            return Outcome::deny;
          case Outcome::deny:
            return Outcome::allow;
          default:
            return outcome;
        }
    }
    return Outcome::error;
  }
};

PolicyOutcome top_level(Outcome outcome) {
  switch (outcome) {
    case Outcome::allow:
      return PolicyOutcome::allow;
    case Outcome::deny:
      return PolicyOutcome::deny;
    default:
      return PolicyOutcome::error;  // Enforcer.enforce lets every exception out
  }
}

void collect_references(const PolicyCheck& check, std::set<std::string>& out) {
  if (check.kind == PolicyCheck::Kind::rule) out.insert(check.name);
  for (const auto& child : check.children) collect_references(*child, out);
}

// ---- policy files -----------------------------------------------------------------------

bool in_quotes(const std::string& s) {
  return s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front();
}

std::string unquote(std::string s) {
  if (in_quotes(s)) return s.substr(1, s.size() - 2);
  return s;
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
  PolicyParse result;
  if (text.empty()) {
    result.check = make(PolicyCheck::Kind::always);
    return result;
  }
  std::vector<std::string> problems;
  auto tokens = tokenize(text, problems);
  ShiftReduce state;
  for (const auto& token : tokens) state.shift(token);
  auto& stack = state.stack();
  if (stack.size() != 1) {
    result.check = make(PolicyCheck::Kind::never);
    result.error = parse_failure(tokens);
    return result;
  }
  auto kind = stack.front().kind;
  if (kind == Token::Kind::check || kind == Token::Kind::and_expr || kind == Token::Kind::or_expr) {
    result.check = stack.front().node;
  } else {
    result.check = make(PolicyCheck::Kind::broken);
    problems.insert(problems.begin(), "'" + text + "' alone is not a check");
  }
  if (!problems.empty()) result.error = problems.front();
  return result;
}

std::map<std::string, std::string> RulePolicy::nova_defaults() {
  const std::string keypair_default = "rule:context_is_admin or user_id:%(user_id)s";
  return {
      {"context_is_admin", "role:admin"},
      {"admin_api", "is_admin:True"},
      {"admin_or_owner", "is_admin:True or project_id:%(project_id)s"},
      // Nova's project-scoped base rules, which operators' files refer to.
      {"project_member_api", "role:member and project_id:%(project_id)s"},
      {"project_reader_api", "role:reader and project_id:%(project_id)s"},
      {"project_member_or_admin", "rule:project_member_api or rule:context_is_admin"},
      {"project_reader_or_admin", "rule:project_reader_api or rule:context_is_admin"},
      {"os_compute_api:os-keypairs:index", keypair_default},
      {"os_compute_api:os-keypairs:create", keypair_default},
      {"os_compute_api:os-keypairs:show", keypair_default},
      {"os_compute_api:os-keypairs:delete", keypair_default},
  };
}

std::shared_ptr<RulePolicy> RulePolicy::from_rules(
    const std::map<std::string, std::string>& rules) {
  auto policy = std::make_shared<RulePolicy>();
  for (const auto& [name, text] : rules) policy->rules_[name] = parse_policy_expression(text).check;
  return policy;
}

Result<std::shared_ptr<RulePolicy>> RulePolicy::build(
    const std::map<std::string, std::string>& overrides, std::vector<std::string>* warnings) {
  auto defaults = nova_defaults();
  auto texts = defaults;
  for (const auto& [name, text] : overrides) texts[name] = text;
  auto policy = std::make_shared<RulePolicy>();
  for (const auto& [name, text] : texts) {
    auto parsed = parse_policy_expression(text);
    if (!parsed.error.empty())
      return Status::invalid_input("policy rule \"" + name + "\": " + parsed.error);
    policy->rules_[name] = parsed.check;
  }
  const RuleMap& rules = policy->rules_;
  bool has_default = rules.count("default") > 0;
  // Rules that refer to themselves (directly or not, the "default" fallback included) would
  // never finish evaluating.
  std::map<std::string, int> state;  // 1 = being visited, 2 = done
  std::set<std::string> referenced;
  std::function<Status(const std::string&)> visit = [&](const std::string& name) -> Status {
    auto it = rules.find(name);
    if (it == rules.end() || state[name] == 2) return Status::ok();
    if (state[name] == 1)
      return Status::invalid_input("policy rule \"" + name + "\" refers to itself");
    state[name] = 1;
    std::set<std::string> references;
    collect_references(*it->second, references);
    for (const auto& reference : references) {
      referenced.insert(reference);
      bool defined = rules.count(reference) > 0;
      if (Status acyclic = visit(defined ? reference : std::string("default")); !acyclic)
        return acyclic;
      if (warnings && !defined)
        warnings->push_back(
            "policy rule \"" + name + "\" refers to the undefined rule \"" + reference + "\", " +
            (has_default ? "which means the rule \"default\"" : "which never passes"));
    }
    state[name] = 2;
    return Status::ok();
  };
  for (const auto& [name, check] : rules)
    if (Status acyclic = visit(name); !acyclic) return acyclic;
  // A rule name nobody asks for is most likely a typo, and then the default stays in force.
  if (warnings) {
    for (const auto& [name, text] : overrides) {
      if (defaults.count(name) || referenced.count(name) || name == "default") continue;
      warnings->push_back("policy rule \"" + name +
                          "\" is not a rule keypaird knows and no rule refers to it, so it "
                          "has no effect (a misspelt name?)");
    }
  }
  return policy;
}

Result<std::map<std::string, std::string>> RulePolicy::parse_policy_text(
    const std::string& file_text) {
  // Editors on Windows start UTF-8 files with a byte order mark; YAML and JSON readers skip it.
  static const std::string bom = "\xEF\xBB\xBF";
  const std::string text = file_text.rfind(bom, 0) == 0 ? file_text.substr(bom.size()) : file_text;
  std::map<std::string, std::string> rules;
  auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') {
    boost::system::error_code error;
    auto value = boost::json::parse(text, error);
    if (error || !value.is_object()) return Status::invalid_input("not a valid JSON object");
    for (const auto& [key, rule] : value.get_object()) {
      if (!rule.is_string())
        return Status::invalid_input("the rule \"" + std::string(key) +
                                     "\" is not a string (list rules are not supported)");
      rules[std::string(key)] = std::string(rule.get_string());
    }
    return rules;
  }
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string t(trim(line));
    if (t.empty() || t[0] == '#' || t == "---" || t == "...") continue;
    auto where = "line " + std::to_string(number) + ": ";
    if (line[0] == ' ' || line[0] == '\t')
      return Status::invalid_input(where +
                                   "only top-level \"rule\": \"expression\" lines are supported");
    auto colon = key_colon(t);
    if (colon == std::string::npos)
      return Status::invalid_input(where + "expected \"rule name\": \"expression\"");
    std::string key = unquote(std::string(trim(std::string_view(t).substr(0, colon))));
    std::string value(trim(std::string_view(t).substr(colon + 1)));
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      auto end = value.find(value.front(), 1);
      if (end == std::string::npos)
        return Status::invalid_input(where + "unterminated quoted expression");
      std::string rest(trim(std::string_view(value).substr(end + 1)));
      if (!rest.empty() && rest[0] != '#')
        return Status::invalid_input(where + "text after the quoted expression");
      value = value.substr(1, end - 1);
    } else {
      auto comment = value.find(" #");
      if (comment != std::string::npos)
        value = std::string(trim(std::string_view(value).substr(0, comment)));
      if (!value.empty() && (value[0] == '[' || value[0] == '{' || value[0] == '|' ||
                             value[0] == '>' || value[0] == '&' || value[0] == '*'))
        return Status::invalid_input(where + "only plain string expressions are supported");
    }
    if (key.empty()) return Status::invalid_input(where + "empty rule name");
    rules[key] = value;
  }
  return rules;
}

Result<std::shared_ptr<RulePolicy>> RulePolicy::load_file(const std::string& path,
                                                          std::vector<std::string>* warnings) {
  // An ifstream opens a directory and reads it as empty: that would silently mean "no
  // overrides", so say what the path is instead.
  std::error_code status_error;
  auto status = std::filesystem::status(path, status_error);
  if (status_error)
    return Status::invalid_input("cannot read the policy file " + path + ": " +
                                 status_error.message());
  if (std::filesystem::is_directory(status))
    return Status::invalid_input("the policy file " + path + " is a directory, not a file");
  std::ifstream file(path, std::ios::binary);
  if (!file)
    return Status::invalid_input("cannot read the policy file " + path + ": " +
                                 std::strerror(errno));
  std::stringstream text;
  text << file.rdbuf();
  if (file.bad())
    return Status::invalid_input("cannot read the policy file " + path + ": " +
                                 std::strerror(errno));
  auto parsed = parse_policy_text(text.str());
  if (!parsed.is_ok()) return Status::invalid_input(path + ": " + parsed.status().message());
  auto built = build(*parsed, warnings);
  if (!built.is_ok()) return Status::invalid_input(path + ": " + built.status().message());
  return built;
}

PolicyOutcome RulePolicy::evaluate(const PolicyCheck& check, const RequestContext& context,
                                   const PolicyTarget& target) const {
  return top_level(Evaluation{rules_, context, target}.run(check));
}

PolicyOutcome RulePolicy::evaluate_rule(const std::string& name, const RequestContext& context,
                                        const PolicyTarget& target) const {
  const PolicyCheck* rule = find_rule(rules_, name);
  if (!rule) return PolicyOutcome::deny;  // Enforcer.enforce: an unknown rule fails closed
  return evaluate(*rule, context, target);
}

bool RulePolicy::check_rule(const std::string& name, const RequestContext& context,
                            const std::map<std::string, std::string>& target) const {
  PolicyTarget ordered(target.begin(), target.end());
  // Where oslo.policy raises, Nova answers 500; keypaird denies.
  return evaluate_rule(name, context, ordered) == PolicyOutcome::allow;
}

bool RulePolicy::allows(const std::string& rule, const RequestContext& context,
                        const std::string& target_user_id) const {
  // Nova's keypair target holds the user id only, so project_id:%(project_id)s never passes in
  // these rules, exactly as in Nova.
  return evaluate_rule(rule, context, {{"user_id", target_user_id}}) == PolicyOutcome::allow;
}

bool RulePolicy::is_admin(const RequestContext& context) const {
  // Nova's check_is_admin passes the credentials themselves as the target.
  PolicyTarget credentials = {
      {"user_id", context.user_id},
      {"project_id", context.project_id},
      {"roles", std::vector<std::string>(context.roles.begin(), context.roles.end())},
      {"is_admin", context.is_admin}};
  return evaluate_rule("context_is_admin", context, credentials) == PolicyOutcome::allow;
}

DefaultKeypairPolicy::DefaultKeypairPolicy()
    : rules_(RulePolicy::build({}, nullptr).value()) {}  // the defaults always build

bool DefaultKeypairPolicy::allows(const std::string& rule, const RequestContext& context,
                                  const std::string& target_user_id) const {
  return rules_->allows(rule, context, target_user_id);
}

bool DefaultKeypairPolicy::is_admin(const RequestContext& context) const {
  return rules_->is_admin(context);
}

}  // namespace keypaird::auth
