// keypaird: reads its configuration, builds the layers bottom-up (store, service, auth, API,
// HTTP server) and serves until SIGTERM or SIGINT; SIGHUP reopens the log file.
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <cstdio>
#include <thread>

#include "api/application.h"
#include "auth/authenticator.h"
#include "auth/keystone_authenticator.h"
#include "auth/policy.h"
#include "config/config.h"
#include "http/server.h"
#include "keypairs/key_pool.h"
#include "keypairs/keypair_service.h"
#include "observability/logging.h"
#include "observability/metrics.h"
#include "store/instrumented_keypair_store.h"
#include "store/store_factory.h"

using namespace keypaird;

namespace {

int thread_count(int configured) {
  if (configured > 0) return configured;
  return std::max(1u, std::thread::hardware_concurrency());
}

// Reopens the log file on every SIGHUP (logrotate's postrotate), re-arming itself.
void reopen_logs_on_sighup(boost::asio::signal_set& hangup, observability::LogOutput& log) {
  hangup.async_wait([&hangup, &log](const boost::system::error_code& ec, int) {
    if (ec) return;
    std::string error;
    if (log.reopen(error)) {
      spdlog::info("SIGHUP: log file reopened");
    } else {
      spdlog::error("SIGHUP: {}", error);
    }
    reopen_logs_on_sighup(hangup, log);
  });
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
  std::string log_error;
  auto log =
      observability::LogOutput::install({cfg.log_level, cfg.log_json, cfg.log_file}, log_error);
  if (!log) {
    std::fprintf(stderr, "keypaird: %s\n", log_error.c_str());
    return 1;
  }
  for (const auto& warning : loaded.warnings) spdlog::warn("config: {}", warning);

  std::string store_error;
  store::StoreOptions store_options;
  store_options.pool_size = cfg.database_max_pool_size;
  store_options.timeout = std::chrono::milliseconds(cfg.database_timeout_ms);
  auto raw_store =
      store::open_keypair_store(cfg.effective_database_connection(), store_error, store_options);
  if (!raw_store) {
    spdlog::error("cannot open the keypair store: {}", store_error);
    return 1;
  }
  spdlog::info("store: {}", store::describe_keypair_store(cfg.effective_database_connection()));
  if (loaded.db_sync_requested) {
    spdlog::info("database schema is up to date");
    return 0;
  }
  observability::Metrics metrics;
  store::InstrumentedKeypairStore store(*raw_store, metrics);
  api::HealthCheck health(store, cfg.healthcheck_disable_by_file_path);

  keypairs::KeyPool key_pool(static_cast<std::size_t>(cfg.key_pool_size),
                             thread_count(cfg.key_generation_threads),
                             [&metrics](std::size_t n) { metrics.set_key_pool_size(n); });
  keypairs::KeypairService service(store, cfg.quota_key_pairs, &key_pool);
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
    settings.on_cache_lookup = [&metrics](bool hit) {
      hit ? metrics.token_cache_hit() : metrics.token_cache_miss();
    };
    settings.on_keystone_call = [&metrics](double seconds, std::string_view outcome) {
      metrics.observe_keystone_request(seconds, outcome);
    };
    authenticator =
        std::make_unique<auth::KeystoneAuthenticator>(std::move(settings), client, *policy);
    spdlog::info("auth: keystone at {} (token cache {} s)", k.auth_url, k.token_cache_time);
  } else {
    authenticator = std::make_unique<auth::NoAuth2Authenticator>();
  }
  boost::asio::thread_pool blocking_pool(64);
  boost::asio::thread_pool generation_pool(
      static_cast<std::size_t>(thread_count(cfg.key_generation_threads)));

  api::ApiSettings settings;
  settings.max_version = {cfg.max_microversion_major, cfg.max_microversion_minor};
  settings.max_limit = cfg.max_limit;
  settings.max_request_body_size = cfg.max_request_body_size;
  api::OperationsHooks operations;
  operations.metrics = &metrics;
  operations.log = log.get();
  operations.health = &health;
  operations.metrics_token = cfg.metrics_token;
  api::Application application(settings, *authenticator, *policy, service, blocking_pool,
                               generation_pool, operations);
  api::OperationsEndpoint operations_endpoint(metrics, &health);

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
  std::unique_ptr<http::HttpServer> metrics_server;
  if (!cfg.metrics_listen_host.empty()) {
    try {
      metrics_server = std::make_unique<http::HttpServer>(
          io, cfg.metrics_listen_host, cfg.metrics_listen_port, limits, operations_endpoint);
    } catch (const std::exception& e) {
      spdlog::error("cannot listen for metrics on {}:{}: {}", cfg.metrics_listen_host,
                    cfg.metrics_listen_port, e.what());
      return 1;
    }
  }
  server->start();
  spdlog::info("keypaird {} listening on http://{}:{} (auth {}, max microversion {}.{})",
               KEYPAIRD_VERSION, cfg.listen_host, server->port(), cfg.auth_strategy,
               cfg.max_microversion_major, cfg.max_microversion_minor);
  if (metrics_server) {
    metrics_server->start();
    spdlog::info("metrics and healthcheck on http://{}:{}/metrics", cfg.metrics_listen_host,
                 metrics_server->port());
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    spdlog::info("signal {}: shutting down", signal);
    server->stop();
    if (metrics_server) metrics_server->stop();
    io.stop();
  });
  boost::asio::signal_set hangup(io, SIGHUP);
  reopen_logs_on_sighup(hangup, *log);

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
