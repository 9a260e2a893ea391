// libFuzzer target: any bytes as a create request body, parsed as Python's json module would and
// validated at the first and last version of every row of the microversion table, and as /v2.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/keypair_schema.h"
#include "api/microversion_table.h"
#include "api/python_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace keypaird::api;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto body = parse_request_json(text);
  if (!body) return 0;
  for (const auto& row : kKeypairMicroversions) {
    for (auto version : {row.first, row.last}) {
      auto validated = validate_create_body(body->value, version, false, body->big_integers);
      if (!validated.is_ok() && validated.status().message().empty()) std::abort();
      if (validated.is_ok() && validated->name.empty()) std::abort();
    }
  }
  auto legacy = validate_create_body(body->value, kMinVersion, true, body->big_integers);
  if (!legacy.is_ok() && legacy.status().message().empty()) std::abort();
  return 0;
}
