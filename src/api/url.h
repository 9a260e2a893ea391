// Decoding of the request target: the path as WSGI servers hand PATH_INFO to Nova, and the query
// string as webob parses it. Pure functions on untrusted bytes; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keypaird::api {

// Valid %XX escapes become bytes; invalid ones stay as they are. With `plus_is_space`, '+' is a
// space (query strings), otherwise it stays '+' (paths).
std::string percent_decode(std::string_view s, bool plus_is_space);

// The request target split at its first '?': the decoded path (always starting with '/') and
// the raw query after the '?' (empty without one).
struct DecodedTarget {
  std::string path;
  std::string raw_query;
};
DecodedTarget decode_target(std::string_view target);

// Query parameters in request order, decoded; a parameter without '=' has an empty value (as in
// webob). `valid_utf8` is false when any key or value is not UTF-8 after decoding.
struct ParsedQuery {
  std::vector<std::pair<std::string, std::string>> params;
  bool valid_utf8 = true;
};
ParsedQuery parse_query(std::string_view raw);

// The path's segments after its leading '/', runs of slashes counted as one (as Nova's router
// does): "/v2.1//os-keypairs/" -> {"v2.1", "os-keypairs", ""}.
std::vector<std::string> split_path(std::string_view path);

// A decoded path encoded again as webob writes request URLs (urllib's quote with
// "/~!$&'()*+,;=:@" safe): what Nova's noauth2 puts in X-Server-Management-Url.
std::string quote_path(std::string_view path);

// application/x-www-form-urlencoded encoding, as Python's urlencode writes next links.
std::string urlencode_form(std::string_view s);

}  // namespace keypaird::api
