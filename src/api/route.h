// Routing: a pure function of the method and the decoded path, as Nova's URL map and its
// keypairs routes decide it: which app answers (version documents, the compute API, the
// operator endpoints, the "choices" page), and within the compute API which keypairs endpoint,
// the project id in the path, and the keypair name. Fuzzed (fuzz/route_fuzzer.cpp).
#pragma once

#include <boost/beast/http/verb.hpp>
#include <optional>
#include <ostream>  // before Beast: verb.hpp streams a string_view
#include <string>
#include <string_view>

namespace keypaird::api {

enum class RouteTarget {
  root_versions,  // "/": the versions document
  versions,       // "/v2.1", "/v2" (with or without the trailing slash): one version's document
  compute,        // "/v2.1/..." or "/v2/...": the compute API (authenticated first)
  healthcheck,    // "/healthcheck" and below, when served
  metrics,        // "/metrics", when served on the API port
  choices,        // anything else: the "choices" page (300)
};

enum class KeypairEndpoint { list, create, show, remove };

// Within the compute API: what the path names, before the method is looked at.
enum class KeypairResource { collection, member, other };

struct Route {
  RouteTarget target = RouteTarget::choices;
  bool v2_1 = false;       // "/v2.1..." rather than the legacy "/v2..."
  bool legacy_v2 = false;  // the compute API under "/v2/" (no microversions)
  KeypairResource resource = KeypairResource::other;
  std::optional<std::string> project_id;    // "/v2.1/{project_id}/os-keypairs..."
  std::string name;                         // the keypair, for a member
  std::optional<KeypairEndpoint> endpoint;  // empty: the method has no route there
};

// `path` is percent-decoded. Runs of slashes count as one, as in Nova's router; a trailing
// slash after a keypairs path does not match.
Route route_request(boost::beast::http::verb method, std::string_view path);

// paste's URL map matches its prefixes on the path with every run of slashes made one
// (norm_url_re, '//+' -> '/') and hands the app that normalised path.
std::string collapse_slashes(std::string_view path);

}  // namespace keypaird::api
