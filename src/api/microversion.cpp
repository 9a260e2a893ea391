// Microversion negotiation, matched against what a running nova-api answered.
#include "api/microversion.h"

#include <cctype>
#include <string>

#include "common/text.h"

namespace keypaird::api {

namespace {

// Python's strip() of header text (microversion_parse strips with it).
std::string_view strip(std::string_view s) { return trim(s, kPythonHeaderWhitespace); }

bool python_space(char c) { return kPythonHeaderWhitespace.find(c) != std::string_view::npos; }

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

Result<ApiVersion> requested_version(std::optional<std::string_view> openstack_api_version,
                                     std::optional<std::string_view> legacy, ApiVersion max) {
  std::optional<std::string> requested;
  if (openstack_api_version) requested = compute_entry(*openstack_api_version);
  // The legacy header: its last comma-separated item (microversion_parse).
  if (!requested && legacy) requested = std::string(strip(legacy->substr(legacy->rfind(',') + 1)));
  if (!requested) return kMinVersion;
  if (*requested == "latest") return max;
  return parse_api_version(*requested);
}

Status check_version_offered(ApiVersion requested, ApiVersion max) {
  if (requested < kMinVersion || requested > max)
    return Status(ErrorKind::not_acceptable,
                  "Version " + requested.to_string() + " is not supported by the API. Minimum is " +
                      kMinVersion.to_string() + " and maximum is " + max.to_string() + ".");
  return Status::ok();
}

Result<ApiVersion> negotiate_version(std::optional<std::string_view> openstack_api_version,
                                     std::optional<std::string_view> legacy, ApiVersion max) {
  auto requested = requested_version(openstack_api_version, legacy, max);
  if (!requested) return requested;
  if (Status offered = check_version_offered(*requested, max); !offered) return offered;
  return requested;
}

}  // namespace keypaird::api
