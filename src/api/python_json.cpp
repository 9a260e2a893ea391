// parse_request_json: the non-standard number tokens and integers beyond 64 bits are swapped for
// string placeholders no client can guess (a random token per call), parsed with Boost.JSON,
// then swapped back (big integers as tagged NaNs).
#include "api/python_json.h"

#include <bit>
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
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

// Python refuses to convert integers of more digits than this (sys.int_info.str_digits_check_
// threshold's default in 3.11); json.loads then raises ValueError and Nova calls the body
// malformed.
constexpr std::size_t kMaxIntegerDigits = 4300;

// A quiet NaN with the big integer's number (plus one) in its payload; plain NaN has none.
constexpr std::uint64_t kQuietNan = 0x7FF8000000000000ULL;
constexpr std::uint64_t kPayloadMask = 0x0007FFFFFFFFFFFFULL;

double big_integer_marker(std::size_t index) {
  return std::bit_cast<double>(kQuietNan | (static_cast<std::uint64_t>(index) + 1));
}

struct Placeholders {
  std::string nan, inf, neg_inf, big_integer;  // big_integer is followed by the index
  std::string surrogate;                       // inside strings, followed by 4 hex digits
};

// Python's json turns an unpaired \uD800-\uDFFF escape into a lone surrogate in the str;
// Boost.JSON refuses it. Inside strings it is kept as its 3-byte generalised UTF-8 form
// (ED A0 80 for U+D800), which every later check sees as not valid UTF-8 and repr shows as
// '\ud800', as Python does.
std::string restore_surrogates(std::string_view text, const std::string& marker) {
  std::string out;
  std::size_t at = 0;
  while (true) {
    auto found = text.find(marker, at);
    if (found == std::string_view::npos || found + marker.size() + 4 > text.size()) break;
    out.append(text.substr(at, found - at));
    auto cp = static_cast<char32_t>(
        std::stoul(std::string(text.substr(found + marker.size(), 4)), nullptr, 16));
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
    at = found + marker.size() + 4;
  }
  out.append(text.substr(at));
  return out;
}

void restore(json::value& v, const Placeholders& p) {
  if (v.is_string()) {
    const auto& s = v.get_string();
    std::string_view text(s);
    if (text.find(p.surrogate) != std::string_view::npos)
      v = restore_surrogates(text, p.surrogate);
    else if (text.substr(0, p.big_integer.size()) == p.big_integer)
      v = big_integer_marker(std::stoul(std::string(text.substr(p.big_integer.size()))));
    else if (s == p.nan)
      v = std::numeric_limits<double>::quiet_NaN();
    else if (s == p.inf)
      v = std::numeric_limits<double>::infinity();
    else if (s == p.neg_inf)
      v = -std::numeric_limits<double>::infinity();
  } else if (v.is_array()) {
    for (auto& item : v.get_array()) restore(item, p);
  } else if (v.is_object()) {
    auto& object = v.get_object();
    bool keys_need_it = false;
    for (auto& item : object) {
      restore(item.value(), p);
      keys_need_it |= item.key().find(p.surrogate) != std::string_view::npos;
    }
    if (keys_need_it) {
      json::object rebuilt;
      for (auto& item : object)
        rebuilt[restore_surrogates(item.key(), p.surrogate)] = std::move(item.value());
      v = std::move(rebuilt);
    }
  }
}

bool is_surrogate_escape(std::string_view text, std::size_t i, char32_t& cp) {
  if (i + 6 > text.size() || text[i] != '\\' || text[i + 1] != 'u') return false;
  cp = 0;
  for (std::size_t k = 2; k < 6; ++k) {
    char c = text[i + k];
    int digit = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
    if (digit < 0) return false;
    cp = cp * 16 + static_cast<char32_t>(digit);
  }
  return cp >= 0xD800 && cp <= 0xDFFF;
}

bool has_surrogate_escape(std::string_view text) {
  char32_t cp = 0;
  for (auto at = text.find("\\u"); at != std::string_view::npos; at = text.find("\\u", at + 1))
    if (is_surrogate_escape(text, at, cp)) return true;
  return false;
}

// Whether the integer literal `digits` (an optional '-', then digits) fits Boost.JSON's int64 or
// uint64.
bool fits_64_bits(std::string_view literal) {
  bool negative = !literal.empty() && literal.front() == '-';
  std::string_view digits = negative ? literal.substr(1) : literal;
  std::string_view limit = negative ? "9223372036854775808" : "18446744073709551615";
  if (digits.size() != limit.size()) return digits.size() < limit.size();
  return digits <= limit;
}

bool has_long_digit_run(std::string_view text) {
  std::size_t run = 0;
  for (char c : text) {
    run = (c >= '0' && c <= '9') ? run + 1 : 0;
    if (run >= 19) return true;  // -9223372036854775809 has 19
  }
  return false;
}

}  // namespace

std::optional<std::size_t> python_big_integer_index(double value) {
  auto bits = std::bit_cast<std::uint64_t>(value);
  if ((bits & ~kPayloadMask & ~(1ULL << 63)) != kQuietNan || (bits & kPayloadMask) == 0)
    return std::nullopt;
  return static_cast<std::size_t>((bits & kPayloadMask) - 1);
}

std::optional<PythonJson> parse_request_json(std::string_view text) {
  // Fast path: nothing to translate.
  bool maybe_special = text.find("NaN") != std::string_view::npos ||
                       text.find("Infinity") != std::string_view::npos ||
                       has_long_digit_run(text) || has_surrogate_escape(text);
  boost::system::error_code ec;
  if (!maybe_special) {
    json::value v = parse_deep(text, ec);
    if (ec) return std::nullopt;
    return PythonJson{std::move(v), {}};
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string tag = std::to_string(rng()) + std::to_string(rng());
  Placeholders p{"\x01nan" + tag, "\x01inf" + tag, "\x01-inf" + tag, "\x01int" + tag + ":",
                 "\x01sur" + tag};
  PythonJson result;

  std::string rewritten;
  rewritten.reserve(text.size() + 64);
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      char32_t cp = 0, low = 0;
      if (is_surrogate_escape(text, i, cp)) {
        if (cp <= 0xDBFF && is_surrogate_escape(text, i + 6, low) && low >= 0xDC00) {
          rewritten.append(text.substr(i, 12));  // a proper pair: Boost.JSON reads it
          i += 11;
        } else {
          rewritten += "\\u0001sur" + tag + std::string(text.substr(i + 2, 4));
          i += 5;
        }
        continue;
      }
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
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      // A number token (or the start of -Infinity): copied as it is unless it is an integer
      // beyond 64 bits.
      if (text.substr(i, 9) == "-Infinity") {
        rewritten += "\"\\u0001-inf" + tag + "\"";
        i += 8;
        continue;
      }
      auto digits_from = [&text](std::size_t at) {
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
        return at;
      };
      std::size_t end = digits_from(i + 1);
      std::size_t integer_end = end;
      if (end < text.size() && text[end] == '.') end = digits_from(end + 1);
      if (end < text.size() && (text[end] == 'e' || text[end] == 'E')) {
        ++end;
        if (end < text.size() && (text[end] == '+' || text[end] == '-')) ++end;
        end = digits_from(end);
      }
      std::string_view literal = text.substr(i, end - i);
      std::string_view digits = literal.substr(c == '-' ? 1 : 0, integer_end - i - (c == '-'));
      bool big_integer =
          integer_end == end && !digits.empty() && digits.front() != '0' && !fits_64_bits(literal);
      if (big_integer) {
        if (digits.size() > kMaxIntegerDigits) return std::nullopt;
        rewritten += "\"\\u0001int" + tag + ":" + std::to_string(result.big_integers.size()) + "\"";
        result.big_integers.emplace_back(literal);
      } else {
        rewritten += literal;  // Boost.JSON judges it
      }
      i = end - 1;
    } else if (text.substr(i, 3) == "NaN") {
      rewritten += "\"\\u0001nan" + tag + "\"";
      i += 2;
    } else if (text.substr(i, 8) == "Infinity") {
      rewritten += "\"\\u0001inf" + tag + "\"";
      i += 7;
    } else {
      rewritten += c;
    }
  }
  result.value = parse_deep(rewritten, ec);
  if (ec) return std::nullopt;
  restore(result.value, p);
  return result;
}

}  // namespace keypaird::api
