// Compute API microversions: the range keypaird speaks and parsing the two request headers the
// way Nova (microversion_parse) does. What changes between versions is in microversion_table.h.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace keypaird::api {

struct ApiVersion {
  int major = 2;
  int minor = 1;
  auto operator<=>(const ApiVersion&) const = default;
  std::string to_string() const { return std::to_string(major) + "." + std::to_string(minor); }
};

inline constexpr ApiVersion kMinVersion{2, 1};
// The newest microversion keypaird speaks: written here only; everything else derives from it.
inline constexpr ApiVersion kMaxVersion{2, 104};
inline constexpr ApiVersion kDefaultMaxVersion = kMaxVersion;

struct NegotiatedVersion {
  enum class Status { ok, invalid_format, not_acceptable } status = Status::ok;
  ApiVersion version;     // when ok
  std::string requested;  // the version text the client sent (or the chosen one), for headers
  std::string message;    // Nova's message when not ok
};

// `openstack_api_version`: the OpenStack-API-Version header, when present;
// `legacy`: the X-OpenStack-Nova-API-Version header, when present.
NegotiatedVersion negotiate_version(std::optional<std::string_view> openstack_api_version,
                                    std::optional<std::string_view> legacy, ApiVersion max);

}  // namespace keypaird::api
