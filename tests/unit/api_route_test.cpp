// route_request: paste's URL map makes runs of slashes one before matching its prefixes.
#include <gtest/gtest.h>

#include "api/route.h"

namespace keypaird::api {
namespace {

namespace bhttp = boost::beast::http;

TEST(RouteRequest, LeadingRunsOfSlashesReachTheComputeApi) {
  for (const char* path : {"//v2.1/os-keypairs", "///v2.1/os-keypairs", "//v2.1//os-keypairs"}) {
    Route route = route_request(bhttp::verb::get, path);
    EXPECT_EQ(route.target, RouteTarget::compute) << path;
    EXPECT_TRUE(route.v2_1) << path;
    EXPECT_EQ(route.endpoint, KeypairEndpoint::list) << path;
  }
  Route member = route_request(bhttp::verb::delete_, "//v2.1//e0e0e0e0//os-keypairs//k1");
  EXPECT_EQ(member.endpoint, KeypairEndpoint::remove);
  EXPECT_EQ(member.project_id, "e0e0e0e0");
  EXPECT_EQ(member.name, "k1");
  Route legacy = route_request(bhttp::verb::get, "//v2/os-keypairs");
  EXPECT_EQ(legacy.target, RouteTarget::compute);
  EXPECT_TRUE(legacy.legacy_v2);
}

TEST(RouteRequest, RunsOfSlashesReachTheVersionDocuments) {
  EXPECT_EQ(route_request(bhttp::verb::get, "//").target, RouteTarget::root_versions);
  EXPECT_EQ(route_request(bhttp::verb::get, "///").target, RouteTarget::root_versions);
  Route v21 = route_request(bhttp::verb::get, "/v2.1//");
  EXPECT_EQ(v21.target, RouteTarget::versions);
  EXPECT_TRUE(v21.v2_1);
  EXPECT_EQ(route_request(bhttp::verb::get, "//v2").target, RouteTarget::versions);
}

TEST(RouteRequest, OtherPathsStayChoices) {
  EXPECT_EQ(route_request(bhttp::verb::get, "//v3").target, RouteTarget::choices);
  EXPECT_EQ(route_request(bhttp::verb::get, "/v2.10/os-keypairs").target, RouteTarget::choices);
}

}  // namespace
}  // namespace keypaird::api
