// route_request: the URL map's prefixes first, then the keypairs routes of the compute API.
#include "api/route.h"

#include "api/healthcheck.h"
#include "api/url.h"

namespace keypaird::api {

namespace bhttp = boost::beast::http;

namespace {

// Nova's project ids in paths: hex digits and dashes.
bool is_project_id(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-')) return false;
  return true;
}

void route_keypairs(bhttp::verb method, std::string_view path, Route& route) {
  // Nova's routes end their patterns with Python's `$`, which also matches before a final
  // newline: "/os-keypairs/nl\n" is the keypair "nl" (but "/os-keypairs/\n" is "\n").
  if (path.size() >= 2 && path.back() == '\n' && path[path.size() - 2] != '/')
    path.remove_suffix(1);
  auto segments = split_path(path);
  if (!segments.empty()) segments.erase(segments.begin());  // "v2.1" or "v2"
  if (segments.size() >= 2 && segments[1] == "os-keypairs" && is_project_id(segments[0])) {
    route.project_id = segments[0];
    segments.erase(segments.begin());
  }
  bool collection = segments.size() == 1 && segments[0] == "os-keypairs";
  bool member = segments.size() == 2 && segments[0] == "os-keypairs" && !segments[1].empty();
  route.resource = collection ? KeypairResource::collection
                   : member   ? KeypairResource::member
                              : KeypairResource::other;
  if (collection && method == bhttp::verb::get) route.endpoint = KeypairEndpoint::list;
  if (collection && method == bhttp::verb::post) route.endpoint = KeypairEndpoint::create;
  if (member && method == bhttp::verb::get) route.endpoint = KeypairEndpoint::show;
  if (member && method == bhttp::verb::delete_) route.endpoint = KeypairEndpoint::remove;
  if (member) route.name = segments[1];
}

}  // namespace

// paste's URL map matches its prefixes on the path with every run of slashes made one
// (norm_url_re, '//+' -> '/') and hands the app that normalised path: "//v2.1/os-keypairs" is
// the compute API's "/v2.1/os-keypairs", "/v2.1//" the v2.1 document, "//" the root document.
std::string collapse_slashes(std::string_view path) {
  if (path.find("//") == std::string_view::npos) return std::string(path);  // the usual path
  std::string out;
  out.reserve(path.size());
  for (char c : path)
    if (c != '/' || out.empty() || out.back() != '/') out += c;
  return out;
}

Route route_request(bhttp::verb method, std::string_view raw_path) {
  Route route;
  const std::string normalised = collapse_slashes(raw_path);
  std::string_view path = normalised;
  if (path == "/") {
    route.target = RouteTarget::root_versions;
  } else if (path == "/v2.1" || path == "/v2.1/" || path == "/v2" || path == "/v2/") {
    route.target = RouteTarget::versions;
    route.v2_1 = path.rfind("/v2.1", 0) == 0;
  } else if (path.rfind("/v2.1/", 0) == 0 || path.rfind("/v2/", 0) == 0) {
    route.target = RouteTarget::compute;
    route.v2_1 = path.rfind("/v2.1/", 0) == 0;
    route.legacy_v2 = !route.v2_1;
    route_keypairs(method, path, route);
  } else if (is_healthcheck_path(std::string(raw_path))) {
    route.target = RouteTarget::healthcheck;
  } else if (path == "/metrics") {
    route.target = RouteTarget::metrics;
  }
  return route;
}

}  // namespace keypaird::api
