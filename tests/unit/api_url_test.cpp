// URL decoding: paths as WSGI decodes PATH_INFO, queries as webob parses them.
#include <gtest/gtest.h>

#include "api/url.h"

using namespace keypaird::api;

TEST(PercentDecode, ValidEscapesBecomeBytesInvalidOnesStay) {
  EXPECT_EQ(percent_decode("a%20b", false), "a b");
  EXPECT_EQ(percent_decode("%e2%9C%93", false), "\xe2\x9c\x93");
  EXPECT_EQ(percent_decode("100%", false), "100%");
  EXPECT_EQ(percent_decode("%4", false), "%4");
  EXPECT_EQ(percent_decode("%zz%41", false), "%zzA");
  EXPECT_EQ(percent_decode("%00", false), std::string(1, '\0'));
}

TEST(PercentDecode, PlusIsASpaceOnlyInQueries) {
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("a+b%2B", true), "a b+");
}

TEST(DecodeTarget, SplitsAtTheFirstQuestionMarkAndDecodesOnlyThePath) {
  auto t = decode_target("/v2.1/os-keypairs/a%3Fb?marker=x%3Fy&limit=1?");
  EXPECT_EQ(t.path, "/v2.1/os-keypairs/a?b");
  EXPECT_EQ(t.raw_query, "marker=x%3Fy&limit=1?");
  EXPECT_EQ(decode_target("").path, "/");
  EXPECT_EQ(decode_target("v2.1").path, "/v2.1");
  EXPECT_EQ(decode_target("?").raw_query, "");
}

TEST(ParseQuery, KeepsOrderRepeatsAndBareKeys) {
  auto q = parse_query("limit=1&&marker=a+b&user_id&limit=2&=v");
  ASSERT_EQ(q.params.size(), 5u);
  EXPECT_EQ(q.params[0], (std::pair<std::string, std::string>{"limit", "1"}));
  EXPECT_EQ(q.params[1], (std::pair<std::string, std::string>{"marker", "a b"}));
  EXPECT_EQ(q.params[2], (std::pair<std::string, std::string>{"user_id", ""}));
  EXPECT_EQ(q.params[3], (std::pair<std::string, std::string>{"limit", "2"}));
  EXPECT_EQ(q.params[4], (std::pair<std::string, std::string>{"", "v"}));
  EXPECT_TRUE(q.valid_utf8);
  EXPECT_TRUE(parse_query("").params.empty());
  EXPECT_FALSE(parse_query("marker=%ff").valid_utf8);
  EXPECT_FALSE(parse_query("%c0%af=1").valid_utf8);
}

TEST(SplitPath, CollapsesSlashRunsAndKeepsATrailingEmptySegment) {
  EXPECT_EQ(split_path("/v2.1/os-keypairs"), (std::vector<std::string>{"v2.1", "os-keypairs"}));
  EXPECT_EQ(split_path("/v2.1//os-keypairs/"),
            (std::vector<std::string>{"v2.1", "os-keypairs", ""}));
  EXPECT_EQ(split_path("/"), (std::vector<std::string>{""}));
  EXPECT_EQ(split_path("///"), (std::vector<std::string>{""}));
}

TEST(UrlencodeForm, EncodesLikePythonsUrlencode) {
  EXPECT_EQ(urlencode_form("a b/c~d.e-f_g"), "a+b%2Fc~d.e-f_g");
  EXPECT_EQ(urlencode_form("\xc3\xa9"), "%C3%A9");
}
