// How Nova's top-level URL map (nova/api/openstack/urlmap.py) reads the Accept header: it picks
// the answer's media type (application/json or application/vnd.openstack.compute+json) before
// any other layer runs, with its own list and parameter readers and its own best_match. Some
// headers make that code raise (a "q" parameter without a value, a range with no parameter it
// can read), which in Nova is a bare 500 from below the API; keypaird refuses them with a 400.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace keypaird::api {

struct UrlmapAccept {
  bool unreadable = false;                // Nova's reader raises on this header
  std::optional<std::string> media_type;  // the best of Nova's media types, if any matched
};

// `header` is the raw Accept value (nullopt when absent: Nova reads it as "").
UrlmapAccept read_urlmap_accept(std::optional<std::string_view> header);

// The media type Nova answers a request for `path` (percent-decoded, slash runs collapsed) in:
// a ".json" suffix under a versioned prefix decides without reading Accept; otherwise Accept's
// best match, application/json by default. `unreadable` as above (only when Accept is read).
struct UrlmapMediaType {
  bool unreadable = false;
  std::string media_type = "application/json";
};
UrlmapMediaType urlmap_media_type(std::string_view path, std::optional<std::string_view> accept);

}  // namespace keypaird::api
