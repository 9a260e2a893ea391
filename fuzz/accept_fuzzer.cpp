// Fuzzes the three readers of the Accept header (the URL map's, webob's error-page choice and
// best_match's quality): any bytes must read without crashing, and the URL map's answer must be
// one of Nova's two media types, or unreadable with none.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/accept.h"
#include "api/urlmap_accept.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view header(reinterpret_cast<const char*>(data), size);
  auto read = keypaird::api::read_urlmap_accept(header);
  if (read.unreadable && read.media_type) std::abort();
  if (read.media_type && *read.media_type != "application/json" &&
      *read.media_type != "application/vnd.openstack.compute+json")
    std::abort();
  auto media = keypaird::api::urlmap_media_type("/v2.1/os-keypairs", header);
  if (media.unreadable != read.unreadable) std::abort();
  (void)keypaird::api::error_page_format(header);
  double q = keypaird::api::accept_quality(header, "application/json");
  (void)q;
  return 0;
}
