// keypaird's settings: read from an INI file in nova.conf style and from command-line flags.
// Options that nova.conf also has keep nova.conf's section and name so operators can carry
// their settings over.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/api_version.h"
#include "common/status.h"

namespace keypaird::config {

// [keystone_authtoken]: keystonemiddleware's option names, as written in nova.conf.
struct KeystoneAuthtokenConfig {
  std::string www_authenticate_uri;    // for WWW-Authenticate; empty = auth_url
  std::string auth_url;                // http(s)://host:port[/path]; /v3 is appended if absent
  std::string auth_type = "password";  // the only plugin supported
  std::string username;
  std::string password;
  std::string project_name;
  std::string user_domain_name = "Default";
  std::string project_domain_name = "Default";
  std::string region_name;             // empty = any region
  std::string interface = "internal";  // which identity endpoint of the catalog to validate at
  int token_cache_time = 300;          // seconds; -1 disables the cache
  double http_connect_timeout = 0;     // seconds; 0 = none (the total timeout still applies)
  int http_request_max_retries = 3;    // retries of a failed connection
  std::vector<std::string> service_token_roles = {"service"};
  bool service_token_roles_required = false;
  std::string cafile;  // https: CA bundle to verify Keystone with (default: the system's)
};

struct Config {
  // [DEFAULT]
  std::string listen_host = "127.0.0.1";         // osapi_compute_listen
  std::uint16_t listen_port = 8774;              // osapi_compute_listen_port
  std::string state_path = "/var/lib/keypaird";  // state_path
  int workers = 0;                               // osapi_compute_workers; 0 = one per core
  std::string log_level = "info";                // ours: debug | info | warning | error
  std::string log_file;                          // log_file (joined to log_dir); empty = stderr
  bool log_json = false;                         // use_json (oslo.log): JSON lines
  // [api]
  std::string auth_strategy = "noauth2";  // noauth2 | keystone
  std::int64_t max_limit = 1000;
  int max_microversion_major = kDefaultMaxVersion.major;  // ours: max_microversion
  int max_microversion_minor = kDefaultMaxVersion.minor;
  // [quota]
  std::int64_t quota_key_pairs = 100;  // -1 = unlimited
  // [database]
  std::string database_connection;           // empty = sqlite:///<state_path>/keypaird.sqlite
  std::size_t database_max_pool_size = 8;    // PostgreSQL/MariaDB connections per node (oslo.db's)
  int database_timeout_ms = 5000;            // ours: `timeout`, seconds; one database call's limit
  std::string database_schema = "keypaird";  // ours: keypaird | nova_api (Nova's key_pairs)
  int graceful_shutdown_timeout = 60;        // oslo.service's: seconds SIGTERM waits for requests
  // [oslo_middleware]
  std::size_t max_request_body_size = 114688;
  // [wsgi]
  int client_socket_timeout = 60;        // idle keep-alive timeout, seconds
  std::size_t max_header_line = 16384;   // ours: request line and headers together, bytes
  std::size_t default_pool_size = 1000;  // concurrent connections; more wait to be accepted
  // [healthcheck] (oslo.middleware's names)
  std::string healthcheck_disable_by_file_path;  // disable_by_file_path; empty = none
  // [keypaird]
  int key_generation_threads = 0;   // 0 = one per core
  int key_pool_size = 16;           // RSA keys made ahead of time; 0 = no pool
  std::string metrics_listen_host;  // metrics_listen = host:port; empty host = no listener
  std::uint16_t metrics_listen_port = 0;
  std::string metrics_token;  // non-empty: /metrics on the API port with this bearer token
  std::size_t token_cache_size = 10000;            // validated tokens kept at most
  double keystone_request_timeout = 30;            // seconds one call to Keystone may take in total
  std::size_t max_url_length = 8192;               // request target, bytes (-> 414)
  int request_timeout = 30;                        // seconds from a request's first byte to its end
  std::size_t max_requests_per_connection = 1000;  // keep-alive/pipelined, then close
  std::size_t max_public_key_size = 16384;         // imported public key, bytes (-> 400)
  bool strict_public_keys = false;                 // one key per value, no options, one line
  // [keystone_authtoken]
  KeystoneAuthtokenConfig keystone;
  // [oslo_policy]
  std::string policy_file;  // empty = Nova's defaults; relative = next to the config files

  std::string effective_database_connection() const;
  // True when the connection URL names PostgreSQL; then postgres_url() is what libpq accepts.
  bool uses_postgres() const;
  std::string postgres_url() const;
};

// A configuration that loaded, and what is worth a warning about it.
struct LoadedConfig {
  Config config;
  std::vector<std::string> warnings;  // e.g. unknown options, which a nova.conf has many of
  // From keypaird's command line (load_config); with help or version requested no file is read
  // and `config` holds the defaults.
  bool help_requested = false;
  bool version_requested = false;
  bool db_sync_requested = false;  // --db-sync: create or migrate the schema, then exit
  std::string help_text;
};

// Every function below answers invalid_input with a message saying why the configuration cannot
// be used: a bad value (named by section and option), an unreadable file, a bad flag.

// Parses the command line (--config-file FILE, repeatable; --help; --version; --db-sync) and the
// files it names, later files overriding earlier ones.
Result<LoadedConfig> load_config(int argc, const char* const* argv);

// Reads the given files (later ones override earlier ones), as --config-file does; for
// keypaird-manage, which has its own command line.
Result<LoadedConfig> load_config_files(const std::vector<std::string>& paths);

// Parses one INI text (used by load_config and by tests).
Result<LoadedConfig> parse_config_text(const std::string& text);

}  // namespace keypaird::config
