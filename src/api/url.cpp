// URL decoding helpers, moved out of the application so they can be unit tested and fuzzed.
#include "api/url.h"

#include <cstdio>

#include "common/utf8.h"

namespace keypaird::api {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool unreserved(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
         c == '-' || c == '_' || c == '~';
}

}  // namespace

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

DecodedTarget decode_target(std::string_view target) {
  DecodedTarget decoded;
  auto question = target.find('?');
  if (question != std::string_view::npos) decoded.raw_query = target.substr(question + 1);
  decoded.path = percent_decode(target.substr(0, question), false);
  if (decoded.path.empty() || decoded.path[0] != '/') decoded.path.insert(0, "/");
  return decoded;
}

ParsedQuery parse_query(std::string_view raw) {
  ParsedQuery parsed;
  while (!raw.empty()) {
    auto amp = raw.find('&');
    std::string_view pair = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq), true);
    std::string value =
        eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true);
    if (!is_valid_utf8(key) || !is_valid_utf8(value)) parsed.valid_utf8 = false;
    parsed.params.emplace_back(std::move(key), std::move(value));
  }
  return parsed;
}

std::vector<std::string> split_path(std::string_view path) {
  std::string collapsed;
  collapsed.reserve(path.size());
  for (char c : path)
    if (c != '/' || collapsed.empty() || collapsed.back() != '/') collapsed += c;
  std::vector<std::string> segments;
  std::string_view rest(collapsed);
  if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  for (;;) {
    auto slash = rest.find('/');
    segments.emplace_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return segments;
}

std::string urlencode_form(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (unreserved(c)) {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", c);
      out += buffer;
    }
  }
  return out;
}

std::string quote_path(std::string_view path) {
  constexpr std::string_view kSafe = "/~!$&'()*+,;=:@_.-";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (alnum || kSafe.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

}  // namespace keypaird::api
