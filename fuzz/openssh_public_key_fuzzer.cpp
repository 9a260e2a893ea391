// libFuzzer target: any bytes as the public_key of an import, through the same check and
// fingerprint the service runs. A fingerprint, when there is one, is 16 MD5 bytes in hex.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crypto/keys.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto result = keypaird::crypto::ssh_public_key_fingerprint(line);
  if (result.is_ok() && result->size() != 47) std::abort();
  if (!result.is_ok() && result.status().message().empty()) std::abort();
  return 0;
}
