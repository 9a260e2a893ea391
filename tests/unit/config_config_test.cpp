// Config parsing: nova.conf names, bad values refused, unknown options only warned about.
#include "config/config.h"

#include <gtest/gtest.h>

using keypaird::config::parse_config_text;

TEST(Config, ReadsNovaStyleOptions) {
  auto r = parse_config_text(
      "[DEFAULT]\nosapi_compute_listen = 0.0.0.0\nosapi_compute_listen_port = 9000\n"
      "# comment\n[api]\nmax_limit = 50\nmax_microversion = 2.93\n[quota]\nkey_pairs = -1\n"
      "[database]\nconnection = sqlite:////tmp/x.sqlite\n");
  ASSERT_TRUE(r.config) << r.error;
  EXPECT_EQ(r.config->listen_host, "0.0.0.0");
  EXPECT_EQ(r.config->listen_port, 9000);
  EXPECT_EQ(r.config->max_limit, 50);
  EXPECT_EQ(r.config->max_microversion_minor, 93);
  EXPECT_EQ(r.config->quota_key_pairs, -1);
  EXPECT_EQ(r.config->effective_database_connection(), "sqlite:////tmp/x.sqlite");
  EXPECT_TRUE(r.warnings.empty());
}

TEST(Config, DefaultsMatchNova) {
  auto r = parse_config_text("");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->listen_port, 8774);
  EXPECT_EQ(r.config->quota_key_pairs, 100);
  EXPECT_EQ(r.config->max_limit, 1000);
  EXPECT_EQ(r.config->max_microversion_minor, 104);
}

TEST(Config, BadValuesAreClearErrors) {
  EXPECT_NE(parse_config_text("[DEFAULT]\nosapi_compute_listen_port = http\n")
                .error.find("osapi_compute_listen_port"),
            std::string::npos);
  EXPECT_FALSE(parse_config_text("[api]\nmax_microversion = 3.0\n").config);
  EXPECT_FALSE(parse_config_text("[quota]\nkey_pairs = -2\n").config);
  EXPECT_FALSE(parse_config_text("[api]\nauth_strategy = magic\n").config);
}

TEST(Config, UnknownOptionsAreWarnings) {
  auto r = parse_config_text("[DEFAULT]\nmy_ip = 10.0.0.1\n[glance]\napi_servers = x\n");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.warnings.size(), 2u);
}

TEST(Config, HardeningLimitsHaveDefaultsAndSettings) {
  auto defaults = parse_config_text("");
  ASSERT_TRUE(defaults.config);
  EXPECT_EQ(defaults.config->max_header_line, 16384u);
  EXPECT_EQ(defaults.config->max_url_length, 8192u);
  EXPECT_EQ(defaults.config->default_pool_size, 1000u);
  EXPECT_EQ(defaults.config->request_timeout, 30);
  EXPECT_EQ(defaults.config->max_requests_per_connection, 1000u);
  EXPECT_EQ(defaults.config->graceful_shutdown_timeout, 60);

  auto r = parse_config_text(
      "[DEFAULT]\ngraceful_shutdown_timeout = 5\n[wsgi]\nmax_header_line = 4096\n"
      "default_pool_size = 8\n[keypaird]\nmax_url_length = 1024\nrequest_timeout = 3\n"
      "max_requests_per_connection = 2\n");
  ASSERT_TRUE(r.config) << r.error;
  EXPECT_EQ(r.config->graceful_shutdown_timeout, 5);
  EXPECT_EQ(r.config->max_header_line, 4096u);
  EXPECT_EQ(r.config->default_pool_size, 8u);
  EXPECT_EQ(r.config->max_url_length, 1024u);
  EXPECT_EQ(r.config->request_timeout, 3);
  EXPECT_EQ(r.config->max_requests_per_connection, 2u);
  EXPECT_TRUE(r.warnings.empty());

  EXPECT_FALSE(parse_config_text("[wsgi]\nmax_header_line = 10\n").config);
  EXPECT_FALSE(parse_config_text("[wsgi]\ndefault_pool_size = 0\n").config);
  EXPECT_FALSE(parse_config_text("[keypaird]\nrequest_timeout = 0\n").config);
  EXPECT_FALSE(parse_config_text("[keypaird]\nmax_requests_per_connection = -1\n").config);
  EXPECT_NE(parse_config_text("[keypaird]\nmax_url_length = huge\n").error.find("max_url_length"),
            std::string::npos);
}
