// The keypair microversion table: ordered and gapless from 2.1 to the maximum, and what each
// breakpoint (Nova's decorator ranges) says, checked through the table and through the schema
// and view code that reads it.
#include <gtest/gtest.h>

#include <array>
#include <boost/json.hpp>

#include "api/keypair_schema.h"
#include "api/keypair_views.h"
#include "api/microversion_table.h"

using namespace keypaird::api;

namespace {

// The same check static_assert makes, on tables made wrong on purpose.
KeypairMicroversion row(ApiVersion first, ApiVersion last) {
  KeypairMicroversion r = kKeypairMicroversions.front();
  r.first = first;
  r.last = last;
  return r;
}

std::string create_error(const char* body, ApiVersion v, bool legacy = false) {
  auto result = validate_create_body(boost::json::parse(body), v, legacy);
  return result.is_ok() ? "" : result.status().message();
}

std::string query_error(const QueryParameters& params, KeypairAction action, ApiVersion v) {
  auto result = validate_query(params, action, v);
  return result.is_ok() ? "" : result.status().message();
}

keypaird::keypairs::Keypair sample() {
  keypaird::keypairs::Keypair k;
  k.id = 3;
  k.user_id = "u";
  k.name = "k";
  k.fingerprint = "fp";
  k.public_key = "ssh-ed25519 AAAA";
  k.type = "ssh";
  k.created_at = "2026-01-01T00:00:00.000000";
  return k;
}

boost::json::object show_fields(ApiVersion v) {
  return boost::json::parse(show_view(sample(), v)).as_object().at("keypair").as_object();
}

boost::json::object list_item(ApiVersion v) {
  auto list = boost::json::parse(list_view({sample()}, v, std::nullopt)).as_object();
  return list.at("keypairs").as_array().at(0).as_object().at("keypair").as_object();
}

boost::json::object create_fields(ApiVersion v) {
  keypaird::keypairs::CreatedKeypair created{sample(), std::nullopt};
  return boost::json::parse(create_view(created, v)).as_object().at("keypair").as_object();
}

constexpr ApiVersion kBreakpoints[] = {{2, 1},  {2, 2},  {2, 9},  {2, 10}, {2, 34},    {2, 35},
                                       {2, 74}, {2, 75}, {2, 91}, {2, 92}, kMaxVersion};

}  // namespace

TEST(MicroversionTable, RunsFromMinToMaxInOrderWithoutGaps) {
  static_assert(covers_in_order(kKeypairMicroversions, kMinVersion, kMaxVersion));
  EXPECT_EQ(kKeypairMicroversions.front().first, kMinVersion);
  EXPECT_EQ(kKeypairMicroversions.back().last, kMaxVersion);
  EXPECT_EQ(kDefaultMaxVersion, kMaxVersion);
  for (std::size_t i = 1; i < kKeypairMicroversions.size(); ++i)
    EXPECT_EQ(kKeypairMicroversions[i].first, next_version(kKeypairMicroversions[i - 1].last));
}

TEST(MicroversionTable, TheCheckRefusesBrokenTables) {
  std::array good{row({2, 1}, {2, 4}), row({2, 5}, {2, 9})};
  EXPECT_TRUE(covers_in_order(good, {2, 1}, {2, 9}));
  EXPECT_FALSE(covers_in_order(good, {2, 1}, {2, 10}));  // stops short of the maximum
  EXPECT_FALSE(covers_in_order(good, {2, 2}, {2, 9}));   // starts elsewhere
  std::array gap{row({2, 1}, {2, 4}), row({2, 6}, {2, 9})};
  EXPECT_FALSE(covers_in_order(gap, {2, 1}, {2, 9}));
  std::array overlap{row({2, 1}, {2, 5}), row({2, 5}, {2, 9})};
  EXPECT_FALSE(covers_in_order(overlap, {2, 1}, {2, 9}));
  std::array backwards{row({2, 1}, {2, 4}), row({2, 5}, {2, 3})};
  EXPECT_FALSE(covers_in_order(backwards, {2, 1}, {2, 3}));
  std::array unordered{row({2, 5}, {2, 9}), row({2, 1}, {2, 4})};
  EXPECT_FALSE(covers_in_order(unordered, {2, 1}, {2, 4}));
  EXPECT_FALSE(covers_in_order(std::span<const KeypairMicroversion>{}, {2, 1}, {2, 1}));
}

TEST(MicroversionTable, EveryVersionHasTheRowThatHoldsIt) {
  for (int minor = kMinVersion.minor; minor <= kMaxVersion.minor; ++minor) {
    ApiVersion v{2, minor};
    const auto& r = keypair_microversion(v);
    EXPECT_LE(r.first, v);
    EXPECT_GE(r.last, v);
  }
}

TEST(MicroversionTable, StatusCodes) {
  EXPECT_EQ(keypair_microversion({2, 1}).create_status, 200u);
  EXPECT_EQ(keypair_microversion({2, 1}).delete_status, 202u);
  for (ApiVersion v : kBreakpoints) {
    if (v == ApiVersion{2, 1}) continue;
    EXPECT_EQ(keypair_microversion(v).create_status, 201u) << v.to_string();
    EXPECT_EQ(keypair_microversion(v).delete_status, 204u) << v.to_string();
  }
}

TEST(MicroversionTable, CreateBodyType) {
  const char* typed = R"({"keypair": {"name": "k", "public_key": "p", "type": "x509"}})";
  EXPECT_EQ(create_error(typed, {2, 1}),
            "Invalid input for field/attribute keypair. Value: {'name': 'k', 'public_key': 'p', "
            "'type': 'x509'}. Additional properties are not allowed ('type' was unexpected)");
  EXPECT_EQ(create_error(typed, {2, 2}), "");
  EXPECT_EQ(create_error(typed, {2, 9}), "");
  EXPECT_EQ(create_error(typed, kMaxVersion), "");
  EXPECT_FALSE(keypair_microversion({2, 1}).create_body.type);
  EXPECT_TRUE(keypair_microversion({2, 2}).create_body.type);
}

TEST(MicroversionTable, CreateBodyUserId) {
  const char* with_user = R"({"keypair": {"name": "k", "public_key": "p", "user_id": "u"}})";
  EXPECT_NE(create_error(with_user, {2, 9}), "");
  EXPECT_EQ(create_error(with_user, {2, 10}), "");
  EXPECT_EQ(create_error(with_user, kMaxVersion), "");
  auto r = validate_create_body(boost::json::parse(with_user), {2, 10}, false);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->user_id, "u");
}

TEST(MicroversionTable, CreateBodyPublicKeyAndNameRule) {
  const char* generate = R"({"keypair": {"name": "k"}})";
  EXPECT_EQ(create_error(generate, {2, 91}), "");
  EXPECT_EQ(create_error(generate, {2, 92}),
            "Invalid input for field/attribute keypair. Value: {'name': 'k'}. 'public_key' is a "
            "required property");
  const char* dotted = R"({"keypair": {"name": "a.b@c", "public_key": "p"}})";
  EXPECT_EQ(create_error(dotted, {2, 91}),
            "An invalid 'name' value was provided. The name must be: Only expected characters: "
            "[_- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]");
  EXPECT_EQ(create_error(dotted, {2, 92}), "");
  EXPECT_EQ(create_error(dotted, kMaxVersion), "");
  EXPECT_EQ(keypair_microversion({2, 91}).create_body.name, NameRule::printable);
  EXPECT_EQ(keypair_microversion({2, 92}).create_body.name, NameRule::printable_2_92);
  EXPECT_TRUE(keypair_microversion(kMaxVersion).create_body.public_key_required);
}

TEST(MicroversionTable, LegacyV2CreateBody) {
  EXPECT_EQ(kLegacyV2CreateBody.name, NameRule::legacy_v2);
  EXPECT_FALSE(kLegacyV2CreateBody.additional_properties_refused);
  EXPECT_FALSE(kLegacyV2CreateBody.type);
  EXPECT_FALSE(kLegacyV2CreateBody.user_id);
  auto r = validate_create_body(
      boost::json::parse(R"({"keypair": {"name": " k ", "type": "x509", "x": 1}, "y": 2})"),
      kMinVersion, true);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->name, "k");
  EXPECT_EQ(r->type, "ssh");  // type is not read on /v2
}

TEST(MicroversionTable, QueryUserIdFrom210) {
  QueryParameters params{{"user_id", "other"}};
  auto before = validate_query(params, KeypairAction::show, {2, 9});
  ASSERT_TRUE(before.is_ok());
  EXPECT_FALSE(before->user_id);
  for (auto action : {KeypairAction::index, KeypairAction::show, KeypairAction::remove}) {
    auto after = validate_query(params, action, {2, 10});
    ASSERT_TRUE(after.is_ok());
    EXPECT_EQ(after->user_id, "other");
  }
}

TEST(MicroversionTable, QueryPaginationFrom235OnIndexOnly) {
  QueryParameters params{{"limit", "x"}, {"marker", "m"}};
  EXPECT_EQ(query_error(params, KeypairAction::index, {2, 34}), "");
  EXPECT_EQ(query_error(params, KeypairAction::index, {2, 35}),
            "Invalid input for query parameters limit. Value: x. 'x' does not match '^[0-9]*$'");
  EXPECT_EQ(query_error(params, KeypairAction::show, {2, 35}), "");
  QueryParameters page{{"limit", "5"}, {"marker", "m"}};
  auto r = validate_query(page, KeypairAction::index, {2, 74});
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->limit, 5);
  EXPECT_EQ(r->marker, "m");
  EXPECT_TRUE(keypair_microversion({2, 35}).index_query.limit_marker);
  EXPECT_FALSE(keypair_microversion({2, 34}).index_query.limit_marker);
  EXPECT_FALSE(keypair_microversion(kMaxVersion).show_query.limit_marker);
  EXPECT_FALSE(keypair_microversion(kMaxVersion).delete_query.limit_marker);
}

TEST(MicroversionTable, UnknownQueryParametersRefusedFrom275) {
  QueryParameters params{{"foo", "1"}};
  for (auto action : {KeypairAction::index, KeypairAction::show, KeypairAction::remove}) {
    EXPECT_EQ(query_error(params, action, {2, 74}), "");
    EXPECT_EQ(query_error(params, action, {2, 75}),
              "Additional properties are not allowed ('foo' was unexpected)");
    EXPECT_EQ(query_error(params, action, kMaxVersion),
              "Additional properties are not allowed ('foo' was unexpected)");
  }
  QueryParameters page{{"limit", "1"}, {"marker", "m"}, {"user_id", "u"}};
  EXPECT_EQ(query_error(page, KeypairAction::index, {2, 75}), "");
  EXPECT_EQ(query_error(page, KeypairAction::show, {2, 75}),
            "Additional properties are not allowed ('limit', 'marker' were unexpected)");
}

TEST(MicroversionTable, ViewFieldsPerBreakpoint) {
  for (ApiVersion v : kBreakpoints) {
    bool typed = v >= ApiVersion{2, 2};
    auto show = show_fields(v);
    EXPECT_EQ(show.contains("type"), typed) << v.to_string();
    EXPECT_TRUE(show.contains("user_id"));
    EXPECT_TRUE(show.contains("id"));
    EXPECT_TRUE(show.contains("created_at"));
    auto item = list_item(v);
    EXPECT_EQ(item.contains("type"), typed) << v.to_string();
    EXPECT_FALSE(item.contains("user_id"));
    EXPECT_FALSE(item.contains("id"));
    auto created = create_fields(v);
    EXPECT_EQ(created.contains("type"), typed) << v.to_string();
    EXPECT_TRUE(created.contains("user_id"));
    EXPECT_FALSE(created.contains("id"));
    EXPECT_FALSE(created.contains("private_key"));
  }
}

TEST(MicroversionTable, ListLinksFrom235) {
  std::vector<keypaird::keypairs::Keypair> items{sample()};
  auto links = [&](ApiVersion v) {
    return boost::json::parse(list_view(items, v, std::string("http://x/?marker=k")))
        .as_object()
        .contains("keypairs_links");
  };
  EXPECT_FALSE(links({2, 34}));
  EXPECT_TRUE(links({2, 35}));
  EXPECT_TRUE(links(kMaxVersion));
}
