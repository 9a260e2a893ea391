// libFuzzer target: any bytes as a create request body, parsed as Python's json module would and
// validated by the create schema of every microversion where it changes, and of /v2.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/keypair_schema.h"
#include "api/python_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace keypaird::api;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto body = parse_request_json(text);
  if (!body) return 0;
  constexpr ApiVersion kVersions[] = {{2, 1}, {2, 2}, {2, 10}, {2, 35}, {2, 91}, {2, 92}, {2, 104}};
  for (auto version : kVersions) {
    auto validated = validate_create_body(*body, version, false);
    if (!validated.request && validated.error.empty()) std::abort();
    if (validated.request && validated.request->name.empty()) std::abort();
  }
  auto legacy = validate_create_body(*body, kMinVersion, true);
  if (!legacy.request && legacy.error.empty()) std::abort();
  return 0;
}
