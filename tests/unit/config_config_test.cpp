// Config parsing: nova.conf names, bad values refused, unknown options only warned about.
#include "config/config.h"

#include <gtest/gtest.h>

using keypaird::config::parse_config_text;

TEST(Config, ReadsNovaStyleOptions) {
  auto r = parse_config_text(
      "[DEFAULT]\nosapi_compute_listen = 0.0.0.0\nosapi_compute_listen_port = 9000\n"
      "# comment\n[api]\nmax_limit = 50\nmax_microversion = 2.93\n[quota]\nkey_pairs = -1\n"
      "[database]\nconnection = sqlite:////tmp/x.sqlite\n");
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->config.listen_host, "0.0.0.0");
  EXPECT_EQ(r->config.listen_port, 9000);
  EXPECT_EQ(r->config.max_limit, 50);
  EXPECT_EQ(r->config.max_microversion_minor, 93);
  EXPECT_EQ(r->config.quota_key_pairs, -1);
  EXPECT_EQ(r->config.effective_database_connection(), "sqlite:////tmp/x.sqlite");
  EXPECT_TRUE(r->warnings.empty());
}

TEST(Config, DefaultsMatchNova) {
  auto r = parse_config_text("");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->config.listen_port, 8774);
  EXPECT_EQ(r->config.quota_key_pairs, 100);
  EXPECT_EQ(r->config.max_limit, 1000);
  EXPECT_EQ(r->config.max_microversion_minor, 104);
}

TEST(Config, BadValuesAreClearErrors) {
  EXPECT_NE(parse_config_text("[DEFAULT]\nosapi_compute_listen_port = http\n")
                .status()
                .message()
                .find("osapi_compute_listen_port"),
            std::string::npos);
  EXPECT_FALSE(parse_config_text("[api]\nmax_microversion = 3.0\n").is_ok());
  EXPECT_FALSE(parse_config_text("[quota]\nkey_pairs = -2\n").is_ok());
  EXPECT_FALSE(parse_config_text("[api]\nauth_strategy = magic\n").is_ok());
}

TEST(Config, UnknownOptionsAreWarnings) {
  auto r = parse_config_text("[DEFAULT]\nmy_ip = 10.0.0.1\n[glance]\napi_servers = x\n");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->warnings.size(), 2u);
}

TEST(Config, PostgresUrlsAndPoolSettings) {
  auto r = parse_config_text(
      "[database]\nconnection = postgresql+psycopg2://nova:s3cret@db.example:5433/keypairs\n"
      "max_pool_size = 16\ntimeout = 0.5\n");
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_TRUE(r->config.uses_postgres());
  EXPECT_EQ(r->config.postgres_url(), "postgresql://nova:s3cret@db.example:5433/keypairs");
  EXPECT_EQ(r->config.database_max_pool_size, 16u);
  EXPECT_EQ(r->config.database_timeout_ms, 500);
  EXPECT_TRUE(r->warnings.empty());

  auto plain = parse_config_text("[database]\nconnection = postgres://u@localhost/db\n");
  ASSERT_TRUE(plain.is_ok()) << plain.status().message();
  EXPECT_EQ(plain->config.postgres_url(), "postgresql://u@localhost/db");
  EXPECT_EQ(plain->config.database_timeout_ms, 5000);
  EXPECT_FALSE(parse_config_text("")->config.uses_postgres());
}

TEST(Config, BadDatabaseSettingsAreRefusedWithoutShowingTheUrl) {
  auto oracle = parse_config_text("[database]\nconnection = oracle://nova:s3cret@db/nova\n");
  EXPECT_FALSE(oracle.is_ok());
  EXPECT_NE(oracle.status().message().find("connection"), std::string::npos);
  EXPECT_EQ(oracle.status().message().find("s3cret"), std::string::npos)
      << oracle.status().message();
  EXPECT_FALSE(parse_config_text("[database]\ntimeout = 0\n").is_ok());
  EXPECT_FALSE(parse_config_text("[database]\ntimeout = soon\n").is_ok());
  EXPECT_FALSE(parse_config_text("[database]\nmax_pool_size = 0\n").is_ok());
}

TEST(Config, MariadbUrlsAndTheSchemaOption) {
  for (const char* url : {"mysql+pymysql://nova:s3cret@db:3306/keypairs?charset=utf8",
                          "mysql://u:p@localhost/db?unix_socket=/run/mysqld/mysqld.sock",
                          "mariadb://u:p@10.0.0.1/db", "MySQL+mysqldb://u@db/x"}) {
    auto r = parse_config_text(std::string("[database]\nconnection = ") + url + "\n");
    ASSERT_TRUE(r.is_ok()) << url << ": " << r.status().message();
    EXPECT_FALSE(r->config.uses_postgres());
    EXPECT_EQ(r->config.effective_database_connection(), url);
    EXPECT_EQ(r->config.database_schema, "keypaird");
  }
  EXPECT_TRUE(parse_config_text("[database]\nschema = keypaird\n").is_ok());
  auto nova = parse_config_text("[database]\nschema = nova_api\n");
  ASSERT_TRUE(nova.is_ok()) << nova.status().message();
  EXPECT_EQ(nova->config.database_schema, "nova_api");
  auto other = parse_config_text("[database]\nschema = nova\n");
  EXPECT_FALSE(other.is_ok());
  EXPECT_NE(other.status().message().find("schema"), std::string::npos);
}

TEST(Config, KeystoneAuthtokenOptions) {
  auto r = parse_config_text(
      "[api]\nauth_strategy = keystone\n[keystone_authtoken]\n"
      "www_authenticate_uri = http://k:5000/v3\nauth_url = http://k:5000\nauth_type = password\n"
      "username = nova\npassword = s=cr:t\nproject_name = service\nuser_domain_name = D1\n"
      "project_domain_name = D2\nregion_name = RegionOne\ninterface = publicURL\n"
      "token_cache_time = -1\nhttp_connect_timeout = 2.5\nservice_token_roles = service, admin\n"
      "service_token_roles_required = True\nmemcached_servers = m:11211\n"
      "[oslo_policy]\npolicy_file = /etc/keypaird/policy.yaml\n");
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const auto& k = r->config.keystone;
  EXPECT_EQ(r->config.auth_strategy, "keystone");
  EXPECT_EQ(k.auth_url, "http://k:5000");
  EXPECT_EQ(k.password, "s=cr:t");
  EXPECT_EQ(k.user_domain_name, "D1");
  EXPECT_EQ(k.interface, "public");
  EXPECT_EQ(k.token_cache_time, -1);
  EXPECT_DOUBLE_EQ(k.http_connect_timeout, 2.5);
  EXPECT_EQ(k.service_token_roles, (std::vector<std::string>{"service", "admin"}));
  EXPECT_TRUE(k.service_token_roles_required);
  EXPECT_EQ(r->config.policy_file, "/etc/keypaird/policy.yaml");
  ASSERT_EQ(r->warnings.size(), 1u);  // memcached_servers
  EXPECT_NE(r->warnings[0].find("memcached_servers"), std::string::npos);
}

TEST(Config, KeystoneNeedsCredentials) {
  auto r = parse_config_text("[api]\nauth_strategy = keystone\n");
  EXPECT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("auth_url"), std::string::npos);
  EXPECT_FALSE(parse_config_text("[keystone_authtoken]\nauth_type = token\n").is_ok());
  EXPECT_FALSE(parse_config_text("[keystone_authtoken]\ntoken_cache_time = soon\n").is_ok());
  EXPECT_FALSE(parse_config_text("[keystone_authtoken]\nauth_url = keystone:5000\n").is_ok());
}

TEST(Config, HardeningLimitsHaveDefaultsAndSettings) {
  auto defaults = parse_config_text("");
  ASSERT_TRUE(defaults.is_ok());
  EXPECT_EQ(defaults->config.max_header_line, 16384u);
  EXPECT_EQ(defaults->config.max_url_length, 8192u);
  EXPECT_EQ(defaults->config.default_pool_size, 1000u);
  EXPECT_EQ(defaults->config.request_timeout, 30);
  EXPECT_EQ(defaults->config.max_requests_per_connection, 1000u);
  EXPECT_EQ(defaults->config.graceful_shutdown_timeout, 60);

  auto r = parse_config_text(
      "[DEFAULT]\ngraceful_shutdown_timeout = 5\n[wsgi]\nmax_header_line = 4096\n"
      "default_pool_size = 8\n[keypaird]\nmax_url_length = 1024\nrequest_timeout = 3\n"
      "max_requests_per_connection = 2\n");
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->config.graceful_shutdown_timeout, 5);
  EXPECT_EQ(r->config.max_header_line, 4096u);
  EXPECT_EQ(r->config.default_pool_size, 8u);
  EXPECT_EQ(r->config.max_url_length, 1024u);
  EXPECT_EQ(r->config.request_timeout, 3);
  EXPECT_EQ(r->config.max_requests_per_connection, 2u);
  EXPECT_TRUE(r->warnings.empty());

  EXPECT_FALSE(parse_config_text("[wsgi]\nmax_header_line = 10\n").is_ok());
  EXPECT_FALSE(parse_config_text("[wsgi]\ndefault_pool_size = 0\n").is_ok());
  EXPECT_FALSE(parse_config_text("[keypaird]\nrequest_timeout = 0\n").is_ok());
  EXPECT_FALSE(parse_config_text("[keypaird]\nmax_requests_per_connection = -1\n").is_ok());
  EXPECT_NE(parse_config_text("[keypaird]\nmax_url_length = huge\n")
                .status()
                .message()
                .find("max_url_length"),
            std::string::npos);
}
