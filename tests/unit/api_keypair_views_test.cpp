// The hand-written view JSON must parse, carry Nova's fields per version, and escape safely.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/keypair_views.h"

using namespace keypaird;

namespace {

keypairs::Keypair sample() {
  keypairs::Keypair k;
  k.id = 7;
  k.user_id = "u\"1";
  k.name = "a\\b\x01";
  k.fingerprint = "fp";
  k.public_key = "ssh-ed25519 AAAA \xd0\xba\n";
  k.type = "ssh";
  k.created_at = "2026-01-01T00:00:00.000000";
  return k;
}

}  // namespace

TEST(KeypairViews, ShowHasNovasFieldsAndRoundTrips) {
  auto v = boost::json::parse(api::show_view(sample(), {2, 2})).as_object().at("keypair");
  EXPECT_EQ(v.at("name").as_string(), "a\\b\x01");
  EXPECT_EQ(v.at("public_key").as_string(), "ssh-ed25519 AAAA \xd0\xba\n");
  EXPECT_EQ(v.at("user_id").as_string(), "u\"1");
  EXPECT_EQ(v.at("id").as_int64(), 7);
  EXPECT_TRUE(v.at("deleted_at").is_null());
  EXPECT_EQ(v.at("type").as_string(), "ssh");
  auto old = boost::json::parse(api::show_view(sample(), {2, 1})).as_object().at("keypair");
  EXPECT_FALSE(old.as_object().contains("type"));
}

TEST(KeypairViews, ListAndCreate) {
  std::vector<keypairs::Keypair> items{sample(), sample()};
  auto list = boost::json::parse(api::list_view(items, {2, 35}, std::string("http://x/?a=1")));
  EXPECT_EQ(list.at("keypairs").as_array().size(), 2u);
  EXPECT_FALSE(list.at("keypairs").at(0).at("keypair").as_object().contains("user_id"));
  EXPECT_EQ(list.at("keypairs_links").at(0).at("rel").as_string(), "next");
  EXPECT_EQ(boost::json::serialize(boost::json::parse(api::list_view({}, {2, 1}, std::nullopt))),
            R"({"keypairs":[]})");
  keypairs::CreatedKeypair created{sample(), std::string("-----BEGIN RSA PRIVATE KEY-----\n")};
  auto c = boost::json::parse(api::create_view(created, {2, 10})).at("keypair");
  EXPECT_EQ(c.at("private_key").as_string(), "-----BEGIN RSA PRIVATE KEY-----\n");
  EXPECT_FALSE(c.as_object().contains("id"));
}
