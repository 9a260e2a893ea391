// Microversion negotiation, matched against what a running nova-api answered.
#include "api/microversion.h"

#include <cctype>
#include <vector>

#include "common/text.h"

namespace keypaird::api {

namespace {

// Python's strip() of header text (microversion_parse strips with it).
std::string_view strip(std::string_view s) { return trim(s, kPythonHeaderWhitespace); }

bool python_space(char c) { return kPythonHeaderWhitespace.find(c) != std::string_view::npos; }

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// ^([1-9]\d*)\.([1-9]\d*|0)$, with a bound on the digits so the numbers fit an int.
std::optional<ApiVersion> parse_version(std::string_view text) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto major = text.substr(0, dot);
  auto minor = text.substr(dot + 1);
  if (!all_digits(major) || !all_digits(minor)) return std::nullopt;
  if (major[0] == '0' || (minor[0] == '0' && minor.size() > 1)) return std::nullopt;
  if (major.size() > 9 || minor.size() > 9) return std::nullopt;
  return ApiVersion{std::stoi(std::string(major)), std::stoi(std::string(minor))};
}

// The version text of the last "compute <version>" entry of an OpenStack-API-Version header.
std::optional<std::string> compute_entry(std::string_view header) {
  std::optional<std::string> found;
  while (true) {
    auto comma = header.find(',');
    auto entry = strip(header.substr(0, comma));
    // An entry is "<service> <version>", split on any whitespace.
    std::size_t split = 0;
    while (split < entry.size() && !python_space(entry[split])) ++split;
    auto service = entry.substr(0, split);
    auto version = strip(entry.substr(split));
    std::string service_lower;
    for (char c : service)
      service_lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (service_lower == "compute" && !version.empty()) found = std::string(version);
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return found;
}

}  // namespace

NegotiatedVersion negotiate_version(std::optional<std::string_view> openstack_api_version,
                                    std::optional<std::string_view> legacy, ApiVersion max) {
  NegotiatedVersion result;
  std::optional<std::string> requested;
  if (openstack_api_version) requested = compute_entry(*openstack_api_version);
  // The legacy header: its last comma-separated item (microversion_parse).
  if (!requested && legacy) requested = std::string(strip(legacy->substr(legacy->rfind(',') + 1)));
  if (!requested) {
    result.version = kMinVersion;
    result.requested = kMinVersion.to_string();
    return result;
  }
  if (*requested == "latest") {
    result.version = max;
    result.requested = max.to_string();
    return result;
  }
  auto parsed = parse_version(*requested);
  if (!parsed) {
    result.status = NegotiatedVersion::Status::invalid_format;
    result.message = "API Version String " + *requested +
                     " is of invalid format. Must be of format MajorNum.MinorNum.";
    return result;
  }
  result.version = *parsed;
  result.requested = parsed->to_string();
  if (*parsed < kMinVersion || *parsed > max) {
    result.status = NegotiatedVersion::Status::not_acceptable;
    result.message = "Version " + parsed->to_string() +
                     " is not supported by the API. Minimum is " + kMinVersion.to_string() +
                     " and maximum is " + max.to_string() + ".";
  }
  return result;
}

}  // namespace keypaird::api
