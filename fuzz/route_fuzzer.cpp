// Fuzzes routing: any method and path must route without crashing, and what it routes must be
// consistent (an endpoint only in the compute API, a name only for a member).
#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <cstdlib>
#include <ostream>  // before Beast: verb.hpp streams a string_view
#include <string_view>

#include "api/route.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  namespace bhttp = boost::beast::http;
  static constexpr bhttp::verb kMethods[] = {bhttp::verb::get,     bhttp::verb::post,
                                             bhttp::verb::delete_, bhttp::verb::head,
                                             bhttp::verb::put,     bhttp::verb::options};
  auto method = kMethods[data[0] % (sizeof kMethods / sizeof kMethods[0])];
  std::string_view path(reinterpret_cast<const char*>(data + 1), size - 1);
  auto route = keypaird::api::route_request(method, path);
  using keypaird::api::KeypairResource;
  using keypaird::api::RouteTarget;
  if (route.endpoint && route.target != RouteTarget::compute) std::abort();
  if (!route.name.empty() && route.resource != KeypairResource::member) std::abort();
  if (route.project_id && route.target != RouteTarget::compute) std::abort();
  if (route.legacy_v2 && route.v2_1) std::abort();
  return 0;
}
