// parse_request_json: the non-standard number tokens are swapped for string placeholders no
// client can guess (a random token per call), parsed with Boost.JSON, then swapped back.
#include "api/python_json.h"

#include <boost/json.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <string>

namespace keypaird::api {

namespace json = boost::json;

namespace {

// Python's json module nests as deep as the interpreter's recursion limit allows: Nova parses
// a body nested 600 levels deep and quotes it in its schema error (at 900 it fails with
// RecursionError's 500). Boost.JSON stops at 32 by default. keypaird reads up to Python's
// default recursion limit and refuses deeper bodies as malformed (DIVERGENCES.md).
constexpr std::size_t kMaxDepth = 1000;

json::value parse_deep(std::string_view text, boost::system::error_code& ec) {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  return json::parse(text, ec, {}, options);
}

struct Placeholders {
  std::string nan, inf, neg_inf;
};

void restore(json::value& v, const Placeholders& p) {
  if (v.is_string()) {
    const auto& s = v.get_string();
    if (s == p.nan)
      v = std::numeric_limits<double>::quiet_NaN();
    else if (s == p.inf)
      v = std::numeric_limits<double>::infinity();
    else if (s == p.neg_inf)
      v = -std::numeric_limits<double>::infinity();
  } else if (v.is_array()) {
    for (auto& item : v.get_array()) restore(item, p);
  } else if (v.is_object()) {
    for (auto& item : v.get_object()) restore(item.value(), p);
  }
}

}  // namespace

std::optional<json::value> parse_request_json(std::string_view text) {
  // Fast path: nothing to translate.
  bool maybe_special =
      text.find("NaN") != std::string_view::npos || text.find("Infinity") != std::string_view::npos;
  boost::system::error_code ec;
  if (!maybe_special) {
    json::value v = parse_deep(text, ec);
    if (ec) return std::nullopt;
    return v;
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string tag = std::to_string(rng()) + std::to_string(rng());
  Placeholders p{"\x01nan" + tag, "\x01inf" + tag, "\x01-inf" + tag};

  std::string rewritten;
  rewritten.reserve(text.size() + 64);
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      rewritten += c;
      if (c == '\\' && i + 1 < text.size())
        rewritten += text[++i];
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      rewritten += c;
    } else if (text.substr(i, 3) == "NaN") {
      rewritten += "\"\\u0001nan" + tag + "\"";
      i += 2;
    } else if (text.substr(i, 8) == "Infinity") {
      rewritten += "\"\\u0001inf" + tag + "\"";
      i += 7;
    } else if (text.substr(i, 9) == "-Infinity") {
      rewritten += "\"\\u0001-inf" + tag + "\"";
      i += 8;
    } else {
      rewritten += c;
    }
  }
  json::value v = parse_deep(rewritten, ec);
  if (ec) return std::nullopt;
  restore(v, p);
  return v;
}

}  // namespace keypaird::api
