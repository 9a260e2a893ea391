// libFuzzer target: any bytes as a request target, decoded and routed the way the application
// does it; plus the round trip of the form encoding used for next links.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/url.h"
#include "common/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace keypaird::api;
  std::string_view target(reinterpret_cast<const char*>(data), size);
  auto decoded = decode_target(target);
  if (decoded.path.empty() || decoded.path[0] != '/') std::abort();
  if (decoded.path.size() > target.size() + 1) std::abort();  // decoding never grows
  auto segments = split_path(decoded.path);
  if (segments.empty()) std::abort();
  (void)keypaird::is_valid_utf8(decoded.path);
  auto query = parse_query(decoded.raw_query);
  for (const auto& [key, value] : query.params) {
    if (percent_decode(urlencode_form(key), true) != key) std::abort();
    if (percent_decode(urlencode_form(value), true) != value) std::abort();
  }
  if (percent_decode(urlencode_form(target), true) != target) std::abort();
  return 0;
}
