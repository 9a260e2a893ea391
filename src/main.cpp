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
#include "auth/policy.h"
#include "config/config.h"
#include "http/server.h"
#include "keypairs/key_pool.h"
#include "keypairs/keypair_service.h"
#include "store/postgres_keypair_store.h"
#include "store/sqlite_keypair_store.h"

using namespace keypaird;

namespace {

int thread_count(int configured) {
  if (configured > 0) return configured;
  return std::max(1u, std::thread::hardware_concurrency());
}

// The store the connection URL names, with its schema brought up to date. Throws on failure.
std::unique_ptr<store::KeypairStore> open_store(const config::Config& cfg) {
  if (cfg.uses_postgres()) {
    store::PostgresOptions options;
    options.url = cfg.postgres_url();
    options.pool_size = cfg.database_max_pool_size;
    options.timeout = std::chrono::milliseconds(cfg.database_timeout_ms);
    auto postgres = std::make_unique<store::PostgresKeypairStore>(options);
    spdlog::info("store: {} (pool {}, timeout {} ms)", store::redact_database_url(options.url),
                 options.pool_size, cfg.database_timeout_ms);
    return postgres;
  }
  std::string path = cfg.effective_database_connection().substr(std::string("sqlite:///").size());
  // As in SQLAlchemy URLs: sqlite:///relative/path and sqlite:////absolute/path.
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  auto sqlite = std::make_unique<store::SqliteKeypairStore>(path);
  spdlog::info("store: sqlite {}", path);
  return sqlite;
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

  std::unique_ptr<store::KeypairStore> store;
  try {
    store = open_store(cfg);
  } catch (const std::exception& e) {
    spdlog::error("cannot open the keypair store: {}", e.what());
    return 1;
  }
  if (loaded.db_sync_requested) {
    spdlog::info("database schema is up to date");
    return 0;
  }

  keypairs::KeyPool key_pool(static_cast<std::size_t>(cfg.key_pool_size),
                             thread_count(cfg.key_generation_threads));
  keypairs::KeypairService service(*store, cfg.quota_key_pairs, &key_pool);
  auth::NoAuth2Authenticator authenticator;
  auth::DefaultKeypairPolicy policy;
  boost::asio::thread_pool blocking_pool(64);
  boost::asio::thread_pool generation_pool(
      static_cast<std::size_t>(thread_count(cfg.key_generation_threads)));

  api::ApiSettings settings;
  settings.max_version = {cfg.max_microversion_major, cfg.max_microversion_minor};
  settings.max_limit = cfg.max_limit;
  settings.max_request_body_size = cfg.max_request_body_size;
  api::Application application(settings, authenticator, policy, service, blocking_pool,
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
