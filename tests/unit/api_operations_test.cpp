// Health check and admin-token check: oslo.middleware's answers, the store and file probes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "api/healthcheck.h"
#include "api/operations.h"
#include "store/memory_keypair_store.h"

using namespace keypaird;

TEST(HealthCheckTest, StoreAndDisableFile) {
  store::MemoryKeypairStore store;
  auto file =
      std::filesystem::temp_directory_path() / ("keypaird-disable-" + std::to_string(::getpid()));
  std::filesystem::remove(file);
  api::HealthCheck health(store, file.string());
  EXPECT_TRUE(health.check().healthy);
  EXPECT_EQ(health.check().reason, "OK");
  store.set_unavailable(true);
  EXPECT_FALSE(health.check().healthy);
  EXPECT_EQ(health.check().reason, "STORE UNAVAILABLE");
  std::ofstream(file).put('x');
  EXPECT_EQ(health.check().reason, "DISABLED BY FILE");  // the file is checked first
  store.set_unavailable(false);
  EXPECT_EQ(health.check().reason, "DISABLED BY FILE");
  std::filesystem::remove(file);
  EXPECT_TRUE(health.check().healthy);
}

TEST(HealthCheckTest, ResponsesAsOslo) {
  api::HealthStatus ok{true, "OK"};
  api::HealthStatus down{false, "DISABLED BY FILE"};
  auto r = api::healthcheck_response(ok, false, std::nullopt);
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(r.body(), "OK");
  EXPECT_EQ(r[boost::beast::http::field::content_type], "text/plain; charset=UTF-8");
  EXPECT_EQ(api::healthcheck_response(ok, true, std::nullopt).result_int(), 204u);
  EXPECT_EQ(api::healthcheck_response(down, true, std::nullopt).result_int(), 503u);
  r = api::healthcheck_response(down, false, "application/json");
  EXPECT_EQ(r.result_int(), 503u);
  EXPECT_EQ(r.body(),
            "{\n    \"detailed\": false,\n    \"reasons\": [\n        \"DISABLED BY FILE\"\n    "
            "]\n}");
  // A tie goes to text/plain, oslo's first offer.
  EXPECT_EQ(api::healthcheck_response(ok, false, "*/*").body(), "OK");
  EXPECT_EQ(api::healthcheck_response(ok, false, "text/plain;q=0.5, application/json").body()[0],
            '{');
  EXPECT_TRUE(api::is_healthcheck_path("/healthcheck"));
  EXPECT_TRUE(api::is_healthcheck_path("/healthcheck/x"));
  EXPECT_FALSE(api::is_healthcheck_path("/healthcheckx"));
}

TEST(MetricsTokenTest, BearerOnly) {
  EXPECT_TRUE(api::bearer_token_matches("Bearer s3cret", "s3cret"));
  EXPECT_TRUE(api::bearer_token_matches("bearer s3cret", "s3cret"));
  EXPECT_FALSE(api::bearer_token_matches("Bearer s3cre", "s3cret"));
  EXPECT_FALSE(api::bearer_token_matches("Bearer s3cretx", "s3cret"));
  EXPECT_FALSE(api::bearer_token_matches("s3cret", "s3cret"));
  EXPECT_FALSE(api::bearer_token_matches(std::nullopt, "s3cret"));
  EXPECT_FALSE(api::bearer_token_matches("Bearer ", ""));  // no token configured: never
}
