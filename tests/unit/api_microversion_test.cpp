// Microversion negotiation against the cases nova-api was recorded answering.
#include <gtest/gtest.h>

#include "api/microversion.h"

using keypaird::ErrorKind;
using keypaird::api::ApiVersion;
using keypaird::api::negotiate_version;
using keypaird::api::requested_version;

namespace {
constexpr ApiVersion kMax{2, 93};
}

TEST(Microversion, DefaultsTo21WithoutHeaders) {
  auto v = negotiate_version(std::nullopt, std::nullopt, kMax);
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(*v, (ApiVersion{2, 1}));
}

TEST(Microversion, ReadsComputeEntryCaseInsensitivelyLastWins) {
  EXPECT_EQ(negotiate_version("COMPUTE 2.10", std::nullopt, kMax).value(), (ApiVersion{2, 10}));
  EXPECT_EQ(negotiate_version("compute\t2.10", std::nullopt, kMax).value(), (ApiVersion{2, 10}));
  EXPECT_EQ(negotiate_version("compute 2.10, compute 2.35", std::nullopt, kMax).value(),
            (ApiVersion{2, 35}));
  EXPECT_EQ(negotiate_version("volume 3.0, compute 2.35", std::nullopt, kMax).value(),
            (ApiVersion{2, 35}));
}

TEST(Microversion, EntriesWithoutComputeFallBackToLegacyHeader) {
  EXPECT_EQ(negotiate_version("volume 3.0", "2.35", kMax).value(), (ApiVersion{2, 35}));
  EXPECT_EQ(negotiate_version("garbage", std::nullopt, kMax).value(), (ApiVersion{2, 1}));
  EXPECT_EQ(negotiate_version("2.10", std::nullopt, kMax).value(), (ApiVersion{2, 1}));
}

TEST(Microversion, LatestIsTheMaximumAndOnlyLowercase) {
  EXPECT_EQ(negotiate_version("compute latest", std::nullopt, kMax).value(), kMax);
  EXPECT_TRUE(negotiate_version("compute LATEST", std::nullopt, kMax)
                  .status()
                  .is(ErrorKind::invalid_input));
}

TEST(Microversion, MalformedVersionsAreRefusedWithNovasMessage) {
  for (const char* bad : {"2", "2.", "2.10.1", "2.010", "garbage", "-2.10", "2.1a"}) {
    auto v = negotiate_version(std::string("compute ") + bad, std::nullopt, kMax);
    EXPECT_TRUE(v.status().is(ErrorKind::invalid_input)) << bad;
    EXPECT_EQ(v.status().message(),
              std::string("API Version String ") + bad +
                  " is of invalid format. Must be of format MajorNum.MinorNum.");
  }
  EXPECT_EQ(negotiate_version(std::nullopt, "", kMax).status().message(),
            "API Version String  is of invalid format. Must be of format MajorNum.MinorNum.");
}

TEST(Microversion, OutOfRangeIsNotAcceptable) {
  auto v = negotiate_version("compute 2.94", std::nullopt, kMax);
  EXPECT_TRUE(v.status().is(ErrorKind::not_acceptable));
  EXPECT_EQ(v.status().message(),
            "Version 2.94 is not supported by the API. Minimum is 2.1 and maximum is 2.93.");
  // The version asked for is still read (a 406 echoes it in the version headers).
  auto requested = requested_version("compute 2.94", std::nullopt, kMax);
  ASSERT_TRUE(requested.is_ok());
  EXPECT_EQ(requested->to_string(), "2.94");
  EXPECT_TRUE(
      negotiate_version("compute 2.0", std::nullopt, kMax).status().is(ErrorKind::not_acceptable));
  EXPECT_TRUE(negotiate_version("compute 2.104", std::nullopt, ApiVersion{2, 104}).is_ok());
}
