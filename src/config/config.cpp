// Config loading: a small nova.conf-style INI reader plus validation of every known option.
#include "config/config.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/text.h"

namespace keypaird::config {

namespace po = boost::program_options;

namespace {

bool parse_int(const std::string& text, std::int64_t& out) {
  auto first = text.data();
  auto last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr == last && !text.empty();
}

bool parse_seconds(const std::string& text, double& out) {
  auto first = text.data();
  auto last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr == last && !text.empty();
}

// Entries keyed "section.option" (section lower-cased, like oslo.config's DEFAULT handling).
using Entries = std::map<std::string, std::string>;

// Adds the entries of one INI text to `entries` (later values win).
Status read_ini(const std::string& text, Entries& entries) {
  std::istringstream in(text);
  std::string line;
  std::string section = "default";
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string t(trim(line));
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[') {
      if (t.back() != ']')
        return Status::invalid_input("line " + std::to_string(number) +
                                     ": malformed section header");
      section = ascii_lower(std::string(trim(std::string_view(t).substr(1, t.size() - 2))));
      continue;
    }
    auto eq = t.find_first_of("=:");
    if (eq == std::string::npos)
      return Status::invalid_input("line " + std::to_string(number) +
                                   ": expected 'option = value'");
    entries[section + "." + std::string(trim(std::string_view(t).substr(0, eq)))] =
        trim(std::string_view(t).substr(eq + 1));
  }
  return Status::ok();
}

// postgresql://, postgres:// and SQLAlchemy's postgresql+driver:// (as found in a nova.conf).
std::optional<std::string> postgres_scheme_rest(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return std::nullopt;
  std::string scheme = ascii_lower(url.substr(0, scheme_end));
  auto plus = scheme.find('+');
  if (plus != std::string::npos) scheme = scheme.substr(0, plus);
  if (scheme != "postgresql" && scheme != "postgres") return std::nullopt;
  return url.substr(scheme_end + 3);
}

// MariaDB and MySQL as a nova.conf names them: mysql://, mysql+pymysql://, mariadb://...
bool is_mariadb_scheme(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return false;
  std::string scheme = ascii_lower(url.substr(0, scheme_end));
  auto plus = scheme.find('+');
  if (plus != std::string::npos) scheme = scheme.substr(0, plus);
  return scheme == "mysql" || scheme == "mariadb";
}

bool parse_seconds(const std::string& text, int& milliseconds) {
  double seconds = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty() || !(seconds > 0) ||
      seconds > 3600)
    return false;
  milliseconds = std::max(1, static_cast<int>(seconds * 1000));
  return true;
}

// "host:port" or "[v6 address]:port".
bool parse_listen(const std::string& value, std::string& host, std::uint16_t& port) {
  auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string h = value.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  std::int64_t p = 0;
  if (h.empty() || !parse_int(value.substr(colon + 1), p) || p < 0 || p > 65535) return false;
  host = h;
  port = static_cast<std::uint16_t>(p);
  return true;
}

// Sets `c` from `entries`; unknown options become warnings.
Status apply(const Entries& entries, Config& c, std::vector<std::string>& warnings) {
  auto bad = [](const std::string& key, const std::string& value, const std::string& why) {
    return Status::invalid_input("invalid value '" + value + "' for [" +
                                 key.substr(0, key.find('.')) + "] " +
                                 key.substr(key.find('.') + 1) + ": " + why);
  };
  for (const auto& [key, value] : entries) {
    std::int64_t n = 0;
    if (key == "default.osapi_compute_listen") {
      if (value.empty()) return bad(key, value, "expected an IP address");
      c.listen_host = value;
    } else if (key == "default.osapi_compute_listen_port") {
      if (!parse_int(value, n) || n < 0 || n > 65535)
        return bad(key, value, "expected a port number 0-65535");
      c.listen_port = static_cast<std::uint16_t>(n);
    } else if (key == "default.state_path") {
      c.state_path = value;
    } else if (key == "default.osapi_compute_workers") {
      if (!parse_int(value, n) || n < 0 || n > 256) return bad(key, value, "expected 0-256");
      c.workers = static_cast<int>(n);
    } else if (key == "default.log_level" || key == "default.debug") {
      if (key == "default.debug") {
        auto v = ascii_lower(value);
        if (v != "true" && v != "false") return bad(key, value, "expected true or false");
        if (v == "true") c.log_level = "debug";
      } else {
        auto v = ascii_lower(value);
        if (v != "debug" && v != "info" && v != "warning" && v != "error")
          return bad(key, value, "expected debug, info, warning or error");
        c.log_level = v;
      }
    } else if (key == "default.log_file") {
      c.log_file = value;
    } else if (key == "default.log_dir") {
      // Applied below, once log_file is known.
    } else if (key == "default.use_json") {
      auto v = ascii_lower(value);
      if (v != "true" && v != "false") return bad(key, value, "expected true or false");
      c.log_json = v == "true";
    } else if (key == "healthcheck.disable_by_file_path") {
      c.healthcheck_disable_by_file_path = value;
    } else if (key == "keypaird.metrics_listen") {
      c.metrics_listen_host.clear();
      if (!value.empty() && !parse_listen(value, c.metrics_listen_host, c.metrics_listen_port))
        return bad(key, value, "expected host:port");
    } else if (key == "keypaird.metrics_token") {
      c.metrics_token = value;
    } else if (key == "api.auth_strategy") {
      if (value != "noauth2" && value != "keystone")
        return bad(key, value, "expected noauth2 or keystone");
      c.auth_strategy = value;
    } else if (key == "api.max_limit") {
      if (!parse_int(value, n) || n < 0) return bad(key, value, "expected an integer >= 0");
      c.max_limit = n;
    } else if (key == "api.max_microversion") {
      auto dot = value.find('.');
      std::int64_t major = 0, minor = 0;
      if (dot == std::string::npos || !parse_int(value.substr(0, dot), major) ||
          !parse_int(value.substr(dot + 1), minor) || major != kMinVersion.major ||
          minor < kMinVersion.minor || minor > kMaxVersion.minor)
        return bad(key, value,
                   "expected a microversion between " + kMinVersion.to_string() + " and " +
                       kMaxVersion.to_string());
      c.max_microversion_major = static_cast<int>(major);
      c.max_microversion_minor = static_cast<int>(minor);
    } else if (key == "quota.key_pairs") {
      if (!parse_int(value, n) || n < -1) return bad(key, value, "expected -1 or an integer >= 0");
      c.quota_key_pairs = n;
    } else if (key == "database.connection") {
      if (value.rfind("sqlite:///", 0) != 0 && !postgres_scheme_rest(value) &&
          !is_mariadb_scheme(value))
        return bad(key, "(not shown)",
                   "expected sqlite:///<path>, postgresql://user:password@host:port/dbname or"
                   " mysql+pymysql://user:password@host:port/dbname");
      c.database_connection = value;
    } else if (key == "database.schema") {
      // nova_api: Nova's own key_pairs table in its API database (MariaDB only; the store
      // refuses other databases when it opens).
      if (value != "keypaird" && value != "nova_api")
        return bad(key, value, "expected keypaird or nova_api");
      c.database_schema = value;
    } else if (key == "database.max_pool_size") {
      if (!parse_int(value, n) || n < 1 || n > 1000) return bad(key, value, "expected 1-1000");
      c.database_max_pool_size = static_cast<std::size_t>(n);
    } else if (key == "database.timeout") {
      if (!parse_seconds(value, c.database_timeout_ms))
        return bad(key, value, "expected seconds, e.g. 5 or 0.5 (at most 3600)");
    } else if (key == "oslo_middleware.max_request_body_size") {
      if (!parse_int(value, n) || n < 1) return bad(key, value, "expected a positive integer");
      c.max_request_body_size = static_cast<std::size_t>(n);
    } else if (key == "wsgi.client_socket_timeout") {
      if (!parse_int(value, n) || n < 1) return bad(key, value, "expected a positive integer");
      c.client_socket_timeout = static_cast<int>(n);
    } else if (key == "keypaird.key_pool_size") {
      if (!parse_int(value, n) || n < 0 || n > 4096) return bad(key, value, "expected 0-4096");
      c.key_pool_size = static_cast<int>(n);
    } else if (key == "default.graceful_shutdown_timeout") {
      if (!parse_int(value, n) || n < 0 || n > 3600) return bad(key, value, "expected 0-3600");
      c.graceful_shutdown_timeout = static_cast<int>(n);
    } else if (key == "wsgi.max_header_line") {
      if (!parse_int(value, n) || n < 1024 || n > 1024 * 1024)
        return bad(key, value, "expected 1024-1048576");
      c.max_header_line = static_cast<std::size_t>(n);
    } else if (key == "wsgi.default_pool_size") {
      if (!parse_int(value, n) || n < 1 || n > 1000000)
        return bad(key, value, "expected 1-1000000");
      c.default_pool_size = static_cast<std::size_t>(n);
    } else if (key == "keypaird.max_url_length") {
      if (!parse_int(value, n) || n < 256 || n > 1024 * 1024)
        return bad(key, value, "expected 256-1048576");
      c.max_url_length = static_cast<std::size_t>(n);
    } else if (key == "keypaird.request_timeout") {
      if (!parse_int(value, n) || n < 1 || n > 3600) return bad(key, value, "expected 1-3600");
      c.request_timeout = static_cast<int>(n);
    } else if (key == "keypaird.max_requests_per_connection") {
      if (!parse_int(value, n) || n < 1) return bad(key, value, "expected a positive integer");
      c.max_requests_per_connection = static_cast<std::size_t>(n);
    } else if (key == "keypaird.max_public_key_size") {
      if (!parse_int(value, n) || n < 1024 || n > 1024 * 1024)
        return bad(key, value, "expected 1024-1048576");
      c.max_public_key_size = static_cast<std::size_t>(n);
    } else if (key == "keypaird.strict_public_keys") {
      auto v = ascii_lower(value);
      if (v != "true" && v != "false") return bad(key, value, "expected true or false");
      c.strict_public_keys = v == "true";
    } else if (key == "keypaird.key_generation_threads") {
      if (!parse_int(value, n) || n < 0 || n > 64) return bad(key, value, "expected 0-64");
      c.key_generation_threads = static_cast<int>(n);
    } else if (key == "keypaird.token_cache_size") {
      if (!parse_int(value, n) || n < 1) return bad(key, value, "expected a positive integer");
      c.token_cache_size = static_cast<std::size_t>(n);
    } else if (key == "keypaird.keystone_request_timeout") {
      double seconds = 0;
      if (!parse_seconds(value, seconds) || seconds <= 0)
        return bad(key, value, "expected a positive number of seconds");
      c.keystone_request_timeout = seconds;
    } else if (key == "oslo_policy.policy_file") {
      c.policy_file = value;
    } else if (key.rfind("keystone_authtoken.", 0) == 0) {
      std::string option = key.substr(std::string("keystone_authtoken.").size());
      auto& k = c.keystone;
      if (option == "www_authenticate_uri" || option == "auth_url") {
        if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0)
          return bad(key, value, "expected an http:// or https:// URL");
        (option == "auth_url" ? k.auth_url : k.www_authenticate_uri) = value;
      } else if (option == "auth_type") {
        if (value != "password") return bad(key, value, "only auth_type = password is supported");
        k.auth_type = value;
      } else if (option == "cafile") {
        k.cafile = value;
      } else if (option == "username") {
        k.username = value;
      } else if (option == "password") {
        k.password = value;
      } else if (option == "project_name") {
        k.project_name = value;
      } else if (option == "user_domain_name") {
        k.user_domain_name = value;
      } else if (option == "project_domain_name") {
        k.project_domain_name = value;
      } else if (option == "region_name") {
        k.region_name = value;
      } else if (option == "interface") {
        auto v = ascii_lower(value);
        if (v.size() > 3 && v.substr(v.size() - 3) == "url") v.resize(v.size() - 3);
        if (v != "public" && v != "internal" && v != "admin")
          return bad(key, value, "expected public, internal or admin");
        k.interface = v;
      } else if (option == "token_cache_time") {
        if (!parse_int(value, n) || n < -1 || n > 86400)
          return bad(key, value, "expected -1 (no cache) or 0-86400 seconds");
        k.token_cache_time = static_cast<int>(n);
      } else if (option == "http_connect_timeout") {
        double seconds = 0;
        if (!parse_seconds(value, seconds) || seconds < 0)
          return bad(key, value, "expected a number of seconds");
        k.http_connect_timeout = seconds;
      } else if (option == "http_request_max_retries") {
        if (!parse_int(value, n) || n < 0 || n > 10) return bad(key, value, "expected 0-10");
        k.http_request_max_retries = static_cast<int>(n);
      } else if (option == "service_token_roles") {
        k.service_token_roles.clear();
        std::stringstream list(value);
        std::string role;
        while (std::getline(list, role, ','))
          if (!trim(role).empty()) k.service_token_roles.emplace_back(trim(role));
      } else if (option == "service_token_roles_required") {
        auto v = ascii_lower(value);
        if (v != "true" && v != "false") return bad(key, value, "expected true or false");
        k.service_token_roles_required = v == "true";
      } else {
        warnings.push_back("ignoring unknown option [keystone_authtoken] " + option);
      }
    } else {
      warnings.push_back("ignoring unknown option [" + key.substr(0, key.find('.')) + "] " +
                         key.substr(key.find('.') + 1));
    }
  }
  // As oslo.log: a relative log_file lives in log_dir.
  if (auto dir = entries.find("default.log_dir");
      dir != entries.end() && !dir->second.empty() && !c.log_file.empty() && c.log_file[0] != '/')
    c.log_file = dir->second + "/" + c.log_file;
  if (c.auth_strategy == "keystone") {
    const auto& k = c.keystone;
    for (auto [name, value] : {std::pair{"auth_url", &k.auth_url},
                               {"username", &k.username},
                               {"password", &k.password},
                               {"project_name", &k.project_name}}) {
      if (value->empty())
        return Status::invalid_input(std::string("[keystone_authtoken] ") + name +
                                     " is required with [api] auth_strategy = keystone");
    }
  }
  return Status::ok();
}

}  // namespace

std::string Config::effective_database_connection() const {
  if (uses_postgres()) return postgres_url();
  if (!database_connection.empty()) return database_connection;
  return "sqlite:///" + state_path + "/keypaird.sqlite";
}

bool Config::uses_postgres() const { return postgres_scheme_rest(database_connection).has_value(); }

std::string Config::postgres_url() const {
  auto rest = postgres_scheme_rest(database_connection);
  return rest ? "postgresql://" + *rest : "";
}

Result<LoadedConfig> parse_config_text(const std::string& text) {
  LoadedConfig loaded;
  Entries entries;
  if (Status read = read_ini(text, entries); !read) return read;
  if (Status applied = apply(entries, loaded.config, loaded.warnings); !applied) return applied;
  return loaded;
}

Result<LoadedConfig> load_config(int argc, const char* const* argv) {
  po::options_description flags("keypaird: the OpenStack Compute keypairs API\n\nOptions");
  flags.add_options()("help,h", "print this help and exit")("version",
                                                            "print the version and exit")(
      "config-file", po::value<std::vector<std::string>>()->composing(),
      "an INI file in nova.conf style (repeatable; later files override earlier ones)")(
      "db-sync", "create or migrate the database schema, then exit");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(flags).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return Status::invalid_input(e.what());
  }
  std::ostringstream help;
  help << flags;
  if (vm.count("help") || vm.count("version")) {
    LoadedConfig requested;
    requested.help_requested = vm.count("help") > 0;
    requested.version_requested = !requested.help_requested;
    requested.help_text = help.str();
    return requested;
  }
  std::vector<std::string> paths;
  if (vm.count("config-file")) paths = vm["config-file"].as<std::vector<std::string>>();
  auto loaded = load_config_files(paths);
  if (!loaded) return loaded;
  loaded->help_text = help.str();
  loaded->db_sync_requested = vm.count("db-sync") > 0;
  return loaded;
}

Result<LoadedConfig> load_config_files(const std::vector<std::string>& paths) {
  LoadedConfig loaded;
  Entries entries;
  for (const auto& path : paths) {
    std::ifstream file(path);
    if (!file) return Status::invalid_input("cannot read config file " + path);
    std::stringstream text;
    text << file.rdbuf();
    if (Status read = read_ini(text.str(), entries); !read)
      return Status::invalid_input(path + ": " + read.message());
  }
  Config& config = loaded.config;
  if (Status applied = apply(entries, config, loaded.warnings); !applied) return applied;
  if (!config.policy_file.empty() && config.policy_file.front() != '/' && !paths.empty()) {
    // Like oslo.config's find_file: a relative policy file lives next to a config file.
    std::string first_candidate;
    for (const auto& path : paths) {
      auto dir = std::filesystem::absolute(path).parent_path();
      auto candidate = (dir / config.policy_file).string();
      if (first_candidate.empty()) first_candidate = candidate;
      if (std::filesystem::exists(candidate)) {
        first_candidate = candidate;
        break;
      }
    }
    config.policy_file = first_candidate;
  }
  return loaded;
}

}  // namespace keypaird::config
