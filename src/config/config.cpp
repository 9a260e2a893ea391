// Config loading: a small nova.conf-style INI reader plus validation of every known option.
#include "config/config.h"

#include <boost/program_options.hpp>
#include <charconv>
#include <fstream>
#include <map>
#include <sstream>

namespace keypaird::config {

namespace po = boost::program_options;

namespace {

std::string trim(const std::string& s) {
  auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  auto end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool parse_int(const std::string& text, std::int64_t& out) {
  auto first = text.data();
  auto last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr == last && !text.empty();
}

// Entries keyed "section.option" (section lower-cased, like oslo.config's DEFAULT handling).
using Entries = std::map<std::string, std::string>;

bool read_ini(const std::string& text, Entries& entries, std::string& error) {
  std::istringstream in(text);
  std::string line;
  std::string section = "default";
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[') {
      if (t.back() != ']') {
        error = "line " + std::to_string(number) + ": malformed section header";
        return false;
      }
      section = lower(trim(t.substr(1, t.size() - 2)));
      continue;
    }
    auto eq = t.find_first_of("=:");
    if (eq == std::string::npos) {
      error = "line " + std::to_string(number) + ": expected 'option = value'";
      return false;
    }
    entries[section + "." + trim(t.substr(0, eq))] = trim(t.substr(eq + 1));
  }
  return true;
}

bool apply(const Entries& entries, Config& c, LoadResult& result) {
  auto bad = [&](const std::string& key, const std::string& value, const std::string& why) {
    result.error = "invalid value '" + value + "' for [" + key.substr(0, key.find('.')) + "] " +
                   key.substr(key.find('.') + 1) + ": " + why;
    return false;
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
        auto v = lower(value);
        if (v != "true" && v != "false") return bad(key, value, "expected true or false");
        if (v == "true") c.log_level = "debug";
      } else {
        auto v = lower(value);
        if (v != "debug" && v != "info" && v != "warning" && v != "error")
          return bad(key, value, "expected debug, info, warning or error");
        c.log_level = v;
      }
    } else if (key == "api.auth_strategy") {
      if (value != "noauth2" && value != "keystone")
        return bad(key, value, "expected noauth2 or keystone");
      if (value == "keystone")
        return bad(key, value, "keystone authentication is not available in this build yet");
      c.auth_strategy = value;
    } else if (key == "api.max_limit") {
      if (!parse_int(value, n) || n < 0) return bad(key, value, "expected an integer >= 0");
      c.max_limit = n;
    } else if (key == "api.max_microversion") {
      auto dot = value.find('.');
      std::int64_t major = 0, minor = 0;
      if (dot == std::string::npos || !parse_int(value.substr(0, dot), major) ||
          !parse_int(value.substr(dot + 1), minor) || major != 2 || minor < 1 || minor > 104)
        return bad(key, value, "expected a microversion between 2.1 and 2.104");
      c.max_microversion_major = static_cast<int>(major);
      c.max_microversion_minor = static_cast<int>(minor);
    } else if (key == "quota.key_pairs") {
      if (!parse_int(value, n) || n < -1) return bad(key, value, "expected -1 or an integer >= 0");
      c.quota_key_pairs = n;
    } else if (key == "database.connection") {
      if (value.rfind("sqlite:///", 0) != 0)
        return bad(key, value, "expected sqlite:///<path> (the only store in this build)");
      c.database_connection = value;
    } else if (key == "oslo_middleware.max_request_body_size") {
      if (!parse_int(value, n) || n < 1) return bad(key, value, "expected a positive integer");
      c.max_request_body_size = static_cast<std::size_t>(n);
    } else if (key == "wsgi.client_socket_timeout") {
      if (!parse_int(value, n) || n < 1) return bad(key, value, "expected a positive integer");
      c.client_socket_timeout = static_cast<int>(n);
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
    } else if (key == "keypaird.key_generation_threads") {
      if (!parse_int(value, n) || n < 0 || n > 64) return bad(key, value, "expected 0-64");
      c.key_generation_threads = static_cast<int>(n);
    } else {
      result.warnings.push_back("ignoring unknown option [" + key.substr(0, key.find('.')) + "] " +
                                key.substr(key.find('.') + 1));
    }
  }
  return true;
}

}  // namespace

std::string Config::effective_database_connection() const {
  if (!database_connection.empty()) return database_connection;
  return "sqlite:///" + state_path + "/keypaird.sqlite";
}

LoadResult parse_config_text(const std::string& text) {
  LoadResult result;
  Entries entries;
  Config config;
  if (!read_ini(text, entries, result.error) || !apply(entries, config, result)) return result;
  result.config = config;
  return result;
}

LoadResult load_config(int argc, const char* const* argv) {
  LoadResult result;
  po::options_description flags("keypaird: the OpenStack Compute keypairs API\n\nOptions");
  flags.add_options()("help,h", "print this help and exit")("version",
                                                            "print the version and exit")(
      "config-file", po::value<std::vector<std::string>>()->composing(),
      "an INI file in nova.conf style (repeatable; later files override earlier ones)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(flags).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    result.error = e.what();
    return result;
  }
  std::ostringstream help;
  help << flags;
  result.help_text = help.str();
  if (vm.count("help")) {
    result.help_requested = true;
    return result;
  }
  if (vm.count("version")) {
    result.version_requested = true;
    return result;
  }
  Entries entries;
  if (vm.count("config-file")) {
    for (const auto& path : vm["config-file"].as<std::vector<std::string>>()) {
      std::ifstream file(path);
      if (!file) {
        result.error = "cannot read config file " + path;
        return result;
      }
      std::stringstream text;
      text << file.rdbuf();
      if (!read_ini(text.str(), entries, result.error)) {
        result.error = path + ": " + result.error;
        return result;
      }
    }
  }
  Config config;
  if (!apply(entries, config, result)) return result;
  result.config = config;
  return result;
}

}  // namespace keypaird::config
