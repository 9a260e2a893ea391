// keypaird: reads its configuration, builds the layers bottom-up (store, service, auth, API,
// HTTP server) and serves until SIGTERM or SIGINT.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "api/application.h"
#include "auth/authenticator.h"
#include "auth/keystone_authenticator.h"
#include "auth/policy.h"
#include "config/config.h"
#include "http/server.h"
#include "keypairs/keypair_service.h"
#include "store/sqlite_keypair_store.h"

using namespace keypaird;

namespace {

int thread_count(int configured) {
  if (configured > 0) return configured;
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

int main(int argc, char** argv) {
  auto loaded = config::load_config(argc, argv);
  if (loaded.help_requested) {
    std::printf("%s", loaded.help_text.c_str());
    return 0;
  }
  if (loaded.version_requested) {
    std::printf("keypaird %s\n", KEYPAIRD_VERSION);
    return 0;
  }
  if (!loaded.config) {
    std::fprintf(stderr, "keypaird: %s\n", loaded.error.c_str());
    return 2;
  }
  const config::Config& cfg = *loaded.config;
  spdlog::set_default_logger(spdlog::stderr_logger_mt("keypaird"));  // logs go to stderr
  spdlog::set_level(spdlog::level::from_str(cfg.log_level == "warning" ? "warn" : cfg.log_level));
  for (const auto& warning : loaded.warnings) spdlog::warn("config: {}", warning);

  std::unique_ptr<store::SqliteKeypairStore> store;
  try {
    std::string path = cfg.effective_database_connection().substr(std::string("sqlite:///").size());
    // As in SQLAlchemy URLs: sqlite:///relative/path and sqlite:////absolute/path.
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    store = std::make_unique<store::SqliteKeypairStore>(path);
    spdlog::info("store: sqlite {}", path);
  } catch (const std::exception& e) {
    spdlog::error("cannot open the keypair store: {}", e.what());
    return 1;
  }

  keypairs::KeypairService service(*store, cfg.quota_key_pairs);
  std::shared_ptr<auth::RulePolicy> policy;
  {
    std::vector<std::string> policy_warnings;
    auto built = cfg.policy_file.empty()
                     ? auth::RulePolicy::build({}, &policy_warnings)
                     : auth::RulePolicy::load_file(cfg.policy_file, &policy_warnings);
    if (auto* error = std::get_if<std::string>(&built)) {
      spdlog::error("policy: {}", *error);
      return 2;
    }
    policy = std::get<std::shared_ptr<auth::RulePolicy>>(built);
    for (const auto& warning : policy_warnings) spdlog::warn("policy: {}", warning);
    if (!cfg.policy_file.empty()) spdlog::info("policy: rules from {}", cfg.policy_file);
  }
  std::unique_ptr<auth::Authenticator> authenticator;
  if (cfg.auth_strategy == "keystone") {
    const auto& k = cfg.keystone;
    auth::KeystoneAuthSettings settings;
    settings.keystone = {k.auth_url,     k.username,         k.password,
                         k.project_name, k.user_domain_name, k.project_domain_name,
                         k.region_name,  k.interface};
    settings.www_authenticate_uri = k.www_authenticate_uri;
    settings.token_cache_time = std::chrono::seconds(k.token_cache_time);
    settings.token_cache_size = cfg.token_cache_size;
    settings.service_token_roles = k.service_token_roles;
    settings.service_token_roles_required = k.service_token_roles_required;
    http::ClientOptions client;
    client.connect_timeout =
        std::chrono::milliseconds(static_cast<long long>(k.http_connect_timeout * 1000));
    client.total_timeout =
        std::chrono::milliseconds(static_cast<long long>(cfg.keystone_request_timeout * 1000));
    client.connect_retries = k.http_request_max_retries;
    client.ca_file = k.cafile;
    authenticator =
        std::make_unique<auth::KeystoneAuthenticator>(std::move(settings), client, *policy);
    spdlog::info("auth: keystone at {} (token cache {} s)", k.auth_url, k.token_cache_time);
  } else {
    authenticator = std::make_unique<auth::NoAuth2Authenticator>();
  }
  boost::asio::thread_pool blocking_pool(64);
  boost::asio::thread_pool generation_pool(
      static_cast<std::size_t>(thread_count(cfg.key_generation_threads)));

  api::ApiSettings api_settings;
  api_settings.max_version = {cfg.max_microversion_major, cfg.max_microversion_minor};
  api_settings.max_limit = cfg.max_limit;
  api_settings.max_request_body_size = cfg.max_request_body_size;
  api::Application application(api_settings, *authenticator, *policy, service, blocking_pool,
                               generation_pool);

  boost::asio::io_context io;
  http::ServerLimits limits;
  limits.body_limit = cfg.max_request_body_size;
  limits.idle_timeout = std::chrono::seconds(cfg.client_socket_timeout);
  std::unique_ptr<http::HttpServer> server;
  try {
    server = std::make_unique<http::HttpServer>(io, cfg.listen_host, cfg.listen_port, limits,
                                                application);
  } catch (const std::exception& e) {
    spdlog::error("cannot listen on {}:{}: {}", cfg.listen_host, cfg.listen_port, e.what());
    return 1;
  }
  server->start();
  spdlog::info("keypaird {} listening on http://{}:{} (auth {}, max microversion {}.{})",
               KEYPAIRD_VERSION, cfg.listen_host, server->port(), cfg.auth_strategy,
               cfg.max_microversion_major, cfg.max_microversion_minor);

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    spdlog::info("signal {}: shutting down", signal);
    server->stop();
    io.stop();
  });

  int threads = thread_count(cfg.workers);
  std::vector<std::thread> workers;
  for (int i = 1; i < threads; ++i) workers.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : workers) t.join();
  blocking_pool.join();
  generation_pool.join();
  spdlog::info("stopped");
  return 0;
}
