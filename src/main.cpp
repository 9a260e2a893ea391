// keypaird: reads its configuration, builds the layers bottom-up (store, service, auth, API,
// HTTP server) and serves until SIGTERM or SIGINT; SIGHUP reloads the log level and reopens
// the log file.
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <cstdio>
#include <thread>

#include "api/application.h"
#include "auth/authenticator.h"
#include "auth/keystone_authenticator.h"
#include "auth/policy.h"
#include "common/process_hardening.h"
#include "config/config.h"
#include "crypto/secure_heap.h"
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

// The keypair policy: Nova's defaults, overridden by the policy file when one is configured.
// An error when the file is missing or malformed.
Result<std::shared_ptr<const auth::Policy>> load_policy(const std::string& policy_file) {
  std::vector<std::string> warnings;
  auto built = policy_file.empty() ? auth::RulePolicy::build({}, &warnings)
                                   : auth::RulePolicy::load_file(policy_file, &warnings);
  if (!built) return std::move(built).status();
  for (const auto& warning : warnings) spdlog::warn("policy: {}", warning);
  if (!policy_file.empty()) spdlog::info("policy: rules from {}", policy_file);
  return std::shared_ptr<const auth::Policy>(std::move(built).value());
}

// SIGTERM/SIGINT: graceful stop (a second one stops at once). SIGHUP: re-read the config files
// and apply what can change while running (the log level), keeping every connection open.
class SignalHandling {
 public:
  SignalHandling(boost::asio::io_context& io, http::HttpServer& server,
                 http::HttpServer* metrics_server, observability::LogOutput& log,
                 auth::ReloadablePolicy& policy, std::chrono::milliseconds grace, int argc,
                 char** argv)
      : io_(io),
        server_(server),
        metrics_server_(metrics_server),
        log_(log),
        policy_(policy),
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
        if (metrics_server_) metrics_server_->shutdown(std::chrono::milliseconds(0), [] {});
        server_.shutdown(grace_, [this] { io_.stop(); });
      }
      arm();
    });
  }

 private:
  void reload() {
    // logrotate's postrotate: write to a fresh file from now on.
    if (auto reopened = log_.reopen(); reopened.is_ok()) {
      spdlog::info("SIGHUP: log file reopened");
    } else {
      spdlog::error("SIGHUP: {}", reopened.message());
    }
    auto loaded = config::load_config(argc_, argv_);
    if (!loaded) {
      spdlog::error("SIGHUP: configuration not reloaded: {}", loaded.status().message());
      return;
    }
    const config::Config& cfg = loaded->config;
    log_.set_level(cfg.log_level);
    // A policy file that no longer loads leaves the running rules in place.
    if (auto rules = load_policy(cfg.policy_file)) {
      policy_.replace(std::move(rules).value());
    } else {
      spdlog::error("SIGHUP: policy not reloaded: {}", rules.status().message());
    }
    spdlog::info("SIGHUP: configuration reloaded (log level {})", cfg.log_level);
  }

  boost::asio::io_context& io_;
  http::HttpServer& server_;
  http::HttpServer* metrics_server_;
  observability::LogOutput& log_;
  auth::ReloadablePolicy& policy_;
  std::chrono::milliseconds grace_;
  int argc_;
  char** argv_;
  boost::asio::signal_set signals_;
  bool stopping_ = false;  // only touched in the signal handler, which never runs concurrently
};

}  // namespace

int main(int argc, char** argv) {
  const std::string dumps_problem = common::disable_core_dumps();  // before any secret exists
  auto loaded = config::load_config(argc, argv);
  if (!loaded) {
    std::fprintf(stderr, "keypaird: %s\n", loaded.status().message().c_str());
    return 2;
  }
  if (loaded->help_requested) {
    std::printf("%s", loaded->help_text.c_str());
    return 0;
  }
  if (loaded->version_requested) {
    std::printf("keypaird %s\n", KEYPAIRD_VERSION);
    return 0;
  }
  const config::Config& cfg = loaded->config;
  auto installed = observability::LogOutput::install({cfg.log_level, cfg.log_json, cfg.log_file});
  if (!installed) {
    std::fprintf(stderr, "keypaird: %s\n", installed.status().message().c_str());
    return 1;
  }
  std::shared_ptr<observability::LogOutput> log = std::move(installed).value();
  for (const auto& warning : loaded->warnings) spdlog::warn("config: {}", warning);
  if (!dumps_problem.empty()) spdlog::warn("core dumps: {}", dumps_problem);
  const auto secure_heap = crypto::init_secure_heap(crypto::secure_heap_size_for(
      static_cast<std::size_t>(cfg.key_pool_size),
      2 * static_cast<std::size_t>(thread_count(cfg.key_generation_threads))));
  if (!secure_heap.problem.empty()) spdlog::warn("private keys: {}", secure_heap.problem);

  store::StoreOptions store_options;
  store_options.pool_size = cfg.database_max_pool_size;
  store_options.timeout = std::chrono::milliseconds(cfg.database_timeout_ms);
  store_options.nova_api_schema = cfg.database_schema == "nova_api";
  auto opened = store::open_keypair_store(cfg.effective_database_connection(), store_options);
  if (!opened) {
    spdlog::error("cannot open the keypair store: {}", opened.status().message());
    return 1;
  }
  std::unique_ptr<store::KeypairDatabase> raw_store = std::move(opened).value();
  spdlog::info("store: {}", store::describe_keypair_store(cfg.effective_database_connection()));
  if (loaded->db_sync_requested) {
    spdlog::info(cfg.database_schema == "nova_api"
                     ? "Nova's key_pairs table is as keypaird needs it (nothing to migrate)"
                     : "database schema is up to date");
    return 0;
  }
  observability::Metrics metrics;
  store::InstrumentedKeypairStore store(*raw_store, metrics);
  api::HealthCheck health(store, cfg.healthcheck_disable_by_file_path);

  keypairs::KeyPool key_pool(static_cast<std::size_t>(cfg.key_pool_size),
                             thread_count(cfg.key_generation_threads),
                             [&metrics](std::size_t n) { metrics.set_key_pool_size(n); });
  // Where the service runs store calls that block and key generation (never a network thread).
  boost::asio::thread_pool blocking_pool(64);
  boost::asio::thread_pool generation_pool(
      static_cast<std::size_t>(thread_count(cfg.key_generation_threads)));
  crypto::PublicKeyRules key_rules;
  key_rules.max_bytes = cfg.max_public_key_size;
  key_rules.strict = cfg.strict_public_keys;
  keypairs::KeypairService service(store, {blocking_pool, generation_pool}, cfg.quota_key_pairs,
                                   &key_pool, key_rules);
  auto rules = load_policy(cfg.policy_file);
  if (!rules) {
    spdlog::error("policy: {}", rules.status().message());
    return 2;
  }
  auto policy = std::make_shared<auth::ReloadablePolicy>(std::move(rules).value());
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

  api::ApiSettings settings;
  settings.max_version = {cfg.max_microversion_major, cfg.max_microversion_minor};
  settings.max_limit = cfg.max_limit;
  settings.max_request_body_size = cfg.max_request_body_size;
  api::OperationsHooks operations;
  operations.metrics = &metrics;
  operations.log = log.get();
  operations.health = &health;
  operations.metrics_token = cfg.metrics_token;
  api::Application application(settings, *authenticator, *policy, service, operations);
  api::OperationsEndpoint operations_endpoint(metrics, &health);

  // One io_context per network thread: `io` (the main thread's) also runs the accept loop,
  // signals and the metrics listener; connections are spread over all of them, so a
  // connection's work never crosses threads and no two threads contend for one scheduler.
  // The other threads' contexts are declared first so that they outlive `io`: sockets accepted
  // on `io` for them belong to their services, and `io`'s queued handlers still hold some when
  // it is destroyed.
  const int threads = thread_count(cfg.workers);
  std::vector<std::unique_ptr<boost::asio::io_context>> more_network;
  boost::asio::io_context io(1);
  std::vector<boost::asio::io_context*> network{&io};
  for (int i = 1; i < threads; ++i) {
    more_network.push_back(std::make_unique<boost::asio::io_context>(1));
    network.push_back(more_network.back().get());
  }
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
                                                application, network);
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
  if (cfg.auth_strategy != "keystone") {
    // noauth2 believes whatever X-Auth-Token says: anyone who reaches the port is admin.
    spdlog::warn(
        "auth: noauth2 (development only): every request is trusted as the user its "
        "token names, \"admin\" included, so anyone who can reach {}:{} has full "
        "control; set [api] auth_strategy = keystone for production",
        cfg.listen_host, server->port());
  }
  if (metrics_server) {
    metrics_server->start();
    spdlog::info("metrics and healthcheck on http://{}:{}/metrics", cfg.metrics_listen_host,
                 metrics_server->port());
  }

  SignalHandling signals(io, *server, metrics_server.get(), *log, *policy,
                         std::chrono::seconds(cfg.graceful_shutdown_timeout), argc, argv);
  signals.arm();

  std::vector<std::thread> workers;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> keep;
  for (auto& context : more_network) {
    keep.push_back(boost::asio::make_work_guard(*context));  // runs until the stop below
    workers.emplace_back([&context] { context->run(); });
  }
  io.run();  // until the shutdown (or a second signal) stops it
  for (auto& context : more_network) context->stop();
  for (auto& t : workers) t.join();
  blocking_pool.join();
  generation_pool.join();
  server.reset();
  metrics_server.reset();
  raw_store.reset();  // the writer thread commits what is queued, then the database closes
  log->flush();       // every request answered has its access line written
  spdlog::info("stopped");
  return 0;
}
