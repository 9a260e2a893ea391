// ApiVersion: order, text and the strict parse shared by negotiation.
#include <gtest/gtest.h>

#include "common/api_version.h"

using keypaird::ApiVersion;
using keypaird::ErrorKind;
using keypaird::parse_api_version;

TEST(ApiVersion, ComparesMajorThenMinorAndPrints) {
  EXPECT_LT((ApiVersion{2, 9}), (ApiVersion{2, 10}));
  EXPECT_LT((ApiVersion{2, 104}), (ApiVersion{3, 0}));
  EXPECT_EQ((ApiVersion{2, 35}).to_string(), "2.35");
  EXPECT_LE(keypaird::kMinVersion, keypaird::kMaxVersion);
}

TEST(ApiVersion, ParsesOnlyMajorDotMinor) {
  auto v = parse_api_version("2.93");
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(*v, (ApiVersion{2, 93}));
  EXPECT_EQ(parse_api_version("3.0").value(), (ApiVersion{3, 0}));
  for (const char* bad : {"", "2", "2.", ".1", "02.1", "2.01", "2.1.1", "2.x", "1234567890.1"}) {
    auto refused = parse_api_version(bad);
    ASSERT_FALSE(refused.is_ok()) << bad;
    EXPECT_TRUE(refused.status().is(ErrorKind::invalid_input));
    EXPECT_EQ(refused.status().message(), std::string("API Version String ") + bad +
                                              " is of invalid format. Must be of format "
                                              "MajorNum.MinorNum.");
  }
}
