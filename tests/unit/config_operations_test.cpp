// The operations options: logging, healthcheck, metrics listener and token.
#include <gtest/gtest.h>

#include "config/config.h"

using keypaird::config::parse_config_text;

TEST(OperationsConfigTest, Defaults) {
  auto loaded = parse_config_text("");
  ASSERT_TRUE(loaded.is_ok());
  EXPECT_TRUE(loaded->config.metrics_listen_host.empty());
  EXPECT_TRUE(loaded->config.metrics_token.empty());
  EXPECT_TRUE(loaded->config.log_file.empty());
  EXPECT_FALSE(loaded->config.log_json);
  EXPECT_TRUE(loaded->config.healthcheck_disable_by_file_path.empty());
}

TEST(OperationsConfigTest, Values) {
  auto loaded = parse_config_text(
      "[DEFAULT]\nlog_dir = /var/log/keypaird\nlog_file = api.log\nuse_json = True\n"
      "[healthcheck]\ndisable_by_file_path = /etc/keypaird/healthcheck_disable\n"
      "[keypaird]\nmetrics_listen = [::1]:9180\nmetrics_token = abc\n");
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
  EXPECT_EQ(loaded->config.log_file, "/var/log/keypaird/api.log");
  EXPECT_TRUE(loaded->config.log_json);
  EXPECT_EQ(loaded->config.healthcheck_disable_by_file_path, "/etc/keypaird/healthcheck_disable");
  EXPECT_EQ(loaded->config.metrics_listen_host, "::1");
  EXPECT_EQ(loaded->config.metrics_listen_port, 9180);
  EXPECT_EQ(loaded->config.metrics_token, "abc");
  EXPECT_TRUE(loaded->warnings.empty());
}

TEST(OperationsConfigTest, BadValues) {
  EXPECT_FALSE(parse_config_text("[keypaird]\nmetrics_listen = 9180\n").is_ok());
  EXPECT_FALSE(parse_config_text("[keypaird]\nmetrics_listen = host:99999\n").is_ok());
  EXPECT_FALSE(parse_config_text("[DEFAULT]\nuse_json = maybe\n").is_ok());
}
