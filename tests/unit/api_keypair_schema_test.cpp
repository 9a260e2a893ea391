// Create-body and query validation: which version accepts what, and Nova's exact messages.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/keypair_schema.h"

using namespace keypaird::api;

namespace {

std::string error_for(const char* body, ApiVersion v, bool legacy = false) {
  auto result = validate_create_body(boost::json::parse(body), v, legacy);
  return result.is_ok() ? "" : result.status().message();
}

}  // namespace

TEST(CreateSchema, AcceptsImportAndGenerateBodies) {
  auto r = validate_create_body(boost::json::parse(R"({"keypair": {"name": "k"}})"), {2, 1}, false);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->name, "k");
  EXPECT_EQ(r->type, "ssh");
  EXPECT_FALSE(r->public_key);
  auto r2 = validate_create_body(
      boost::json::parse(R"({"keypair": {"name": "k", "type": "x509", "user_id": "u",
                                          "public_key": "p"}})"),
      {2, 10}, false);
  ASSERT_TRUE(r2.is_ok());
  EXPECT_EQ(r2->type, "x509");
  EXPECT_EQ(*r2->user_id, "u");
}

TEST(CreateSchema, TopLevelErrors) {
  EXPECT_EQ(error_for("null", {2, 1}), "None is not of type 'object'");
  EXPECT_EQ(error_for("42", {2, 1}), "42 is not of type 'object'");
  EXPECT_EQ(error_for("{}", {2, 1}), "'keypair' is a required property");
  EXPECT_EQ(error_for(R"({"keypair": {"name": "a"}, "extra": 1})", {2, 1}),
            "Additional properties are not allowed ('extra' was unexpected)");
}

TEST(CreateSchema, FieldsAreVersioned) {
  EXPECT_EQ(error_for(R"({"keypair": {"name": "x", "type": "ssh"}})", {2, 1}),
            "Invalid input for field/attribute keypair. Value: {'name': 'x', 'type': 'ssh'}. "
            "Additional properties are not allowed ('type' was unexpected)");
  EXPECT_EQ(error_for(R"({"keypair": {"name": "x", "type": "foo"}})", {2, 2}),
            "Invalid input for field/attribute type. Value: foo. 'foo' is not one of ['ssh', "
            "'x509']");
  EXPECT_EQ(error_for(R"({"keypair": {"name": "gen"}})", {2, 92}),
            "Invalid input for field/attribute keypair. Value: {'name': 'gen'}. 'public_key' is a "
            "required property");
  EXPECT_EQ(error_for(R"({"keypair": {"name": "s", "user_id": 7}})", {2, 10}),
            "Invalid input for field/attribute user_id. Value: 7. 7 is not of type 'string'");
}

TEST(CreateSchema, NameRules) {
  EXPECT_EQ(error_for(R"({"keypair": {"name": ""}})", {2, 1}),
            "Invalid input for field/attribute name. Value: . '' is too short");
  EXPECT_EQ(error_for(R"({"keypair": {"name": " lead"}})", {2, 1}),
            "An invalid 'name' value was provided. The name must be: printable characters. Can "
            "not start or end with whitespace.");
  EXPECT_EQ(error_for(R"({"keypair": {"name": "a@b"}})", {2, 91}),
            "An invalid 'name' value was provided. The name must be: Only expected characters: "
            "[_- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]");
  EXPECT_EQ(error_for(R"({"keypair": {"name": "a@b.c", "public_key": "k"}})", {2, 92}), "");
  EXPECT_EQ(error_for(R"({"keypair": {"name": "a\tb"}})", {2, 10}),
            "An invalid 'name' value was provided. The name must be: printable characters. Can "
            "not start or end with whitespace.");
}

TEST(CreateSchema, LegacyV2StripsSpacesAndDropsExtras) {
  auto r = validate_create_body(boost::json::parse(R"({"keypair": {"name": " both ", "x": 1}})"),
                                {2, 1}, true);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->name, "both");
}

TEST(QuerySchema, LimitAndUnknownParameters) {
  auto bad = validate_query({{"limit", "abc"}}, KeypairAction::index, {2, 35});
  EXPECT_EQ(bad.status().message(),
            "Invalid input for query parameters limit. Value: abc. 'abc' does not match "
            "'^[0-9]*$'");
  auto ignored = validate_query({{"limit", "abc"}}, KeypairAction::index, {2, 34});
  ASSERT_TRUE(ignored.is_ok());
  EXPECT_FALSE(ignored->limit);
  EXPECT_TRUE(validate_query({{"foo", "1"}}, KeypairAction::show, {2, 74}).is_ok());
  EXPECT_EQ(validate_query({{"sort_key", "1"}, {"sort_dir", "a"}}, KeypairAction::index, {2, 75})
                .status()
                .message(),
            "Additional properties are not allowed ('sort_dir', 'sort_key' were unexpected)");
  auto users = validate_query({{"user_id", "a"}, {"user_id", "b"}}, KeypairAction::index, {2, 10});
  EXPECT_EQ(*users->user_id, "a");
}
