// Reading Keystone's answers: times, token bodies, catalogs, v3 roots, URLs.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "auth/keystone_client.h"

using namespace keypaird::auth;

TEST(KeystoneTime, ParsesKeystoneFormats) {
  auto t = parse_keystone_time("2026-11-22T14:49:55.000000Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count(),
            1795358995);  // date -u -d 2026-11-22T14:49:55Z +%s
  auto fraction = parse_keystone_time("2026-11-22T14:49:55.250000Z");
  EXPECT_EQ(*fraction - *t, std::chrono::milliseconds(250));
  EXPECT_EQ(parse_keystone_time("2026-11-22T14:49:55+00:00"), t);
  EXPECT_FALSE(parse_keystone_time("yesterday"));
  EXPECT_FALSE(parse_keystone_time("2026-13-22T14:49:55Z"));
  EXPECT_FALSE(parse_keystone_time("2026-11-22T14:49:55+02:00"));
}

TEST(KeystoneToken, ReadsTheFieldsNovaUses) {
  auto body = boost::json::parse(R"({"token": {
      "methods": ["password"], "expires_at": "2030-01-01T00:00:00.000000Z",
      "user": {"id": "u1", "name": "alice", "domain": {"id": "default", "name": "Default"}},
      "project": {"id": "p1", "name": "demo", "domain": {"id": "default", "name": "Default"}},
      "roles": [{"id": "r1", "name": "member"}, {"id": "r2", "name": "reader"}]}})");
  auto info = parse_token_body(body);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->user_id, "u1");
  EXPECT_EQ(info->user_name, "alice");
  EXPECT_EQ(info->project_id, "p1");
  EXPECT_EQ(info->project_domain_id, "default");
  EXPECT_EQ(info->roles, (std::vector<std::string>{"member", "reader"}));
  EXPECT_FALSE(parse_token_body(boost::json::parse(R"({"token": {"user": {"id": "u"}}})")));
  EXPECT_FALSE(parse_token_body(boost::json::parse(R"({"error": {}})")));
}

TEST(KeystoneCatalog, PicksTheIdentityEndpointByInterfaceAndRegion) {
  auto body = boost::json::parse(R"({"token": {"catalog": [
      {"type": "compute", "endpoints": [{"interface": "internal", "url": "http://c"}]},
      {"type": "identity", "endpoints": [
          {"interface": "public", "region_id": "R1", "url": "http://public/v3"},
          {"interface": "internal", "region_id": "R2", "url": "http://internal-r2/v3"},
          {"interface": "internal", "region_id": "R1", "url": "http://internal-r1/v3"}]}]}})");
  EXPECT_EQ(identity_url_from_catalog(body, "internal", "R1"), "http://internal-r1/v3");
  EXPECT_EQ(identity_url_from_catalog(body, "internal", ""), "http://internal-r2/v3");
  EXPECT_EQ(identity_url_from_catalog(body, "public", ""), "http://public/v3");
  EXPECT_FALSE(identity_url_from_catalog(body, "admin", ""));
}

TEST(KeystoneUrls, V3RootAndParsing) {
  EXPECT_EQ(identity_v3_root("http://k:5000"), "http://k:5000/v3");
  EXPECT_EQ(identity_v3_root("http://k:5000/"), "http://k:5000/v3");
  EXPECT_EQ(identity_v3_root("http://k:5000/v3/"), "http://k:5000/v3");
  EXPECT_EQ(identity_v3_root("http://k/identity/v2.0"), "http://k/identity/v3");
  auto url = keypaird::http::parse_url("https://keystone.example:5001/identity/v3?x=1");
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "keystone.example");
  EXPECT_EQ(url->port, "5001");
  EXPECT_EQ(url->target, "/identity/v3?x=1");
  EXPECT_EQ(keypaird::http::parse_url("http://[::1]/")->host, "::1");
  EXPECT_EQ(keypaird::http::parse_url("http://h")->port, "80");
  EXPECT_FALSE(keypaird::http::parse_url("ftp://h/"));
  EXPECT_FALSE(keypaird::http::parse_url("not a url"));
}
