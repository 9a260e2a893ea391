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
  // [api]
  std::string auth_strategy = "noauth2";  // noauth2 | keystone
  std::int64_t max_limit = 1000;
  int max_microversion_major = 2;  // ours: max_microversion
  int max_microversion_minor = 104;
  // [quota]
  std::int64_t quota_key_pairs = 100;  // -1 = unlimited
  // [database]
  std::string database_connection;     // empty = sqlite:///<state_path>/keypaird.sqlite
  int graceful_shutdown_timeout = 60;  // oslo.service's: seconds SIGTERM waits for requests
  // [oslo_middleware]
  std::size_t max_request_body_size = 114688;
  // [wsgi]
  int client_socket_timeout = 60;        // idle keep-alive timeout, seconds
  std::size_t max_header_line = 16384;   // ours: request line and headers together, bytes
  std::size_t default_pool_size = 1000;  // concurrent connections; more wait to be accepted
  // [keypaird]
  int key_generation_threads = 0;                  // 0 = one per core
  std::size_t max_url_length = 8192;               // request target, bytes (-> 414)
  int request_timeout = 30;                        // seconds from a request's first byte to its end
  std::size_t max_requests_per_connection = 1000;  // keep-alive/pipelined, then close

  std::string effective_database_connection() const;
};

struct LoadResult {
  std::optional<Config> config;       // empty on error
  std::string error;                  // why loading failed (bad value, unreadable file, bad flag)
  std::vector<std::string> warnings;  // e.g. unknown options, which a nova.conf has many of
  bool help_requested = false;
  bool version_requested = false;
  std::string help_text;
};

// Parses the command line (--config-file FILE, repeatable; --help; --version) and the files it
// names, later files overriding earlier ones.
LoadResult load_config(int argc, const char* const* argv);

// Parses one INI text (used by load_config and by tests).
LoadResult parse_config_text(const std::string& text);

}  // namespace keypaird::config
