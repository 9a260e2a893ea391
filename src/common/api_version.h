// A Compute API microversion ("2.35") as a value: comparison, text, the strict parse Nova's
// microversion_parse applies, and the range keypaird speaks. Negotiation (which headers, which
// answer) is api/microversion.h's; this is here so that config/ can check [api]
// max_microversion without depending on api/.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keypaird {

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

// ^([1-9]\d*)\.([1-9]\d*|0)$, with at most nine digits on each side so the numbers fit an int.
// invalid_input with Nova's message ("API Version String <text> is of invalid format. ...")
// otherwise.
Result<ApiVersion> parse_api_version(std::string_view text);

}  // namespace keypaird
