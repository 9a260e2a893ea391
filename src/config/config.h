// keypaird's settings: read from an INI file in nova.conf style and from command-line flags.
// Options that nova.conf also has keep nova.conf's section and name so operators can carry
// their settings over.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace keypaird::config {

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
  int max_microversion_major = 2;  // ours: max_microversion
  int max_microversion_minor = 104;
  // [quota]
  std::int64_t quota_key_pairs = 100;  // -1 = unlimited
  // [database]
  std::string database_connection;         // empty = sqlite:///<state_path>/keypaird.sqlite
  std::size_t database_max_pool_size = 8;  // PostgreSQL connections per node (oslo.db's name)
  int database_timeout_ms = 5000;          // ours: `timeout`, seconds; one PostgreSQL call's limit
  // [wsgi]
  std::size_t max_request_body_size = 114688;  // oslo.middleware's [oslo_middleware] name
  int client_socket_timeout = 60;              // idle keep-alive timeout, seconds
  // [healthcheck] (oslo.middleware's names)
  std::string healthcheck_disable_by_file_path;  // disable_by_file_path; empty = none
  // [keypaird]
  int key_generation_threads = 0;   // 0 = one per core
  int key_pool_size = 16;           // RSA keys made ahead of time; 0 = no pool
  std::string metrics_listen_host;  // metrics_listen = host:port; empty host = no listener
  std::uint16_t metrics_listen_port = 0;
  std::string metrics_token;  // non-empty: /metrics on the API port with this bearer token

  std::string effective_database_connection() const;
  // True when the connection URL names PostgreSQL; then postgres_url() is what libpq accepts.
  bool uses_postgres() const;
  std::string postgres_url() const;
};

struct LoadResult {
  std::optional<Config> config;       // empty on error
  std::string error;                  // why loading failed (bad value, unreadable file, bad flag)
  std::vector<std::string> warnings;  // e.g. unknown options, which a nova.conf has many of
  bool help_requested = false;
  bool version_requested = false;
  bool db_sync_requested = false;  // --db-sync: create or migrate the schema, then exit
  std::string help_text;
};

// Parses the command line (--config-file FILE, repeatable; --help; --version; --db-sync) and the
// files it names, later files overriding earlier ones.
LoadResult load_config(int argc, const char* const* argv);

// Reads the given files (later ones override earlier ones), as --config-file does; for
// keypaird-manage, which has its own command line.
LoadResult load_config_files(const std::vector<std::string>& paths);

// Parses one INI text (used by load_config and by tests).
LoadResult parse_config_text(const std::string& text);

}  // namespace keypaird::config
