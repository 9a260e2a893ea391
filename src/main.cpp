// keypaird: reads its configuration, builds the layers bottom-up (store, service, auth, API,
// HTTP server) and serves until SIGTERM or SIGINT; SIGHUP reloads the log level.
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
#include "keypairs/keypair_service.h"
#include "store/sqlite_keypair_store.h"

using namespace keypaird;

namespace {

int thread_count(int configured) {
  if (configured > 0) return configured;
  return std::max(1u, std::thread::hardware_concurrency());
}

void apply_log_level(const std::string& level) {
  spdlog::set_level(spdlog::level::from_str(level == "warning" ? "warn" : level));
}

// SIGTERM/SIGINT: graceful stop (a second one stops at once). SIGHUP: re-read the config files
// and apply what can change while running (the log level), keeping every connection open.
class SignalHandling {
 public:
  SignalHandling(boost::asio::io_context& io, http::HttpServer& server,
                 std::chrono::milliseconds grace, int argc, char** argv)
      : io_(io),
        server_(server),
        grace_(grace),
        argc_(argc),
        argv_(argv),
        signals_(io, SIGINT, SIGTERM, SIGHUP) {}

  void arm() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        reload();
      } else if (stopping_) {
        spdlog::warn("signal {} during shutdown: stopping now", signal);
        io_.stop();
        return;
      } else {
        stopping_ = true;
        spdlog::info("signal {}: no longer accepting; finishing requests in flight (up to {} s)",
                     signal, grace_.count() / 1000);
        server_.shutdown(grace_, [this] { io_.stop(); });
      }
      arm();
    });
  }

 private:
  void reload() {
    auto loaded = config::load_config(argc_, argv_);
    if (!loaded.config) {
      spdlog::error("SIGHUP: configuration not reloaded: {}", loaded.error);
      return;
    }
    apply_log_level(loaded.config->log_level);
    // There is no policy file yet (the policy is built in); when there is, reload it here too.
    spdlog::info("SIGHUP: configuration reloaded (log level {})", loaded.config->log_level);
  }

  boost::asio::io_context& io_;
  http::HttpServer& server_;
  std::chrono::milliseconds grace_;
  int argc_;
  char** argv_;
  boost::asio::signal_set signals_;
  bool stopping_ = false;  // only touched in the signal handler, which never runs concurrently
};

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
  apply_log_level(cfg.log_level);
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
  limits.header_limit = cfg.max_header_line;
  limits.url_limit = cfg.max_url_length;
  limits.max_connections = cfg.default_pool_size;
  limits.max_requests_per_connection = cfg.max_requests_per_connection;
  limits.request_timeout = std::chrono::seconds(cfg.request_timeout);
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

  SignalHandling signals(io, *server, std::chrono::seconds(cfg.graceful_shutdown_timeout), argc,
                         argv);
  signals.arm();

  int threads = thread_count(cfg.workers);
  std::vector<std::thread> workers;
  for (int i = 1; i < threads; ++i) workers.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : workers) t.join();
  blocking_pool.join();
  generation_pool.join();
  server.reset();
  store.reset();  // the writer thread commits what is queued, then the database closes
  spdlog::info("stopped");
  return 0;
}
