// libFuzzer target: the two microversion request headers. Input: a flags byte (1: an
// OpenStack-API-Version header is present, 2: an X-OpenStack-Nova-API-Version header is), then
// the two values separated by the first '\n'. An accepted version is always within range, and
// the microversion table has the row for it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "api/microversion.h"
#include "api/microversion_table.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace keypaird::api;
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto newline = rest.find('\n');
  std::optional<std::string_view> header, legacy;
  if (data[0] & 1) header = rest.substr(0, newline);
  if (data[0] & 2) legacy = newline == std::string_view::npos ? "" : rest.substr(newline + 1);
  auto negotiated = negotiate_version(header, legacy, kMaxVersion);
  if (negotiated.is_ok()) {
    const ApiVersion version = *negotiated;
    if (version < kMinVersion || version > kMaxVersion) std::abort();
    const auto& row = keypair_microversion(version);
    if (version < row.first || version > row.last) std::abort();
  } else if (negotiated.status().message().empty()) {
    std::abort();
  }
  return 0;
}
