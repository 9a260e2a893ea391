// keypaird-manage: the operator's command line, in the spirit of nova-manage. It reads the same
// --config-file as keypaird and opens the same store.
//
//   keypaird-manage [--config-file FILE]... COMMAND [OPTIONS]
//     db sync | db version
//     keypairs list --user U | keypairs count [--user U]
//     export [--file F] | import [--file F]
//     import-nova --connection URL
#include <sys/stat.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "manage/backup.h"
#include "manage/nova_import.h"
#include "manage/progress.h"
#include "store/store_factory.h"

using namespace keypaird;
namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "usage: keypaird-manage [--config-file FILE]... COMMAND [OPTIONS]\n"
    "\n"
    "Commands (each takes --help):\n"
    "  db sync                 create the database or bring its schema up to date\n"
    "  db version              print the schema version of the database\n"
    "  keypairs list --user U  list a user's keypairs (name, type, fingerprint, created_at)\n"
    "  keypairs count [--user U]\n"
    "                          count the keypairs of one user or of everyone\n"
    "  export [--file F]       write every keypair as JSON lines (a backup)\n"
    "  import [--file F]       restore keypairs from such JSON lines, ids included\n"
    "  import-nova --connection URL\n"
    "                          copy keypairs from a Nova API database's key_pairs table\n"
    "\n"
    "Global options:\n"
    "  --config-file FILE      keypaird's configuration (repeatable; later files win)\n"
    "  --version               print the version and exit\n"
    "  -h, --help              print this help and exit\n";

struct Command {
  std::string name;         // "db sync"
  std::string description;  // one line
  po::options_description options;
};

// Parses a subcommand's own options; prints its help and returns false on --help or an error.
bool parse_options(Command& command, const std::vector<std::string>& args, po::variables_map& vm,
                   int& exit_code) {
  command.options.add_options()("help,h", "print this help and exit");
  try {
    po::store(po::command_line_parser(args).options(command.options).run(), vm);
    if (!vm.count("help")) po::notify(vm);  // --help wins over missing required options
  } catch (const po::error& e) {
    std::fprintf(stderr, "keypaird-manage %s: %s\n", command.name.c_str(), e.what());
    exit_code = 2;
    return false;
  }
  if (vm.count("help")) {
    std::ostringstream help;
    help << command.options;
    std::printf("usage: keypaird-manage [--config-file FILE]... %s [OPTIONS]\n\n%s\n\n%s",
                command.name.c_str(), command.description.c_str(), help.str().c_str());
    exit_code = 0;
    return false;
  }
  return true;
}

std::unique_ptr<store::KeypairDatabase> open_store(const config::Config& cfg) {
  store::StoreOptions options;
  options.pool_size = cfg.database_max_pool_size;
  options.timeout = std::chrono::milliseconds(cfg.database_timeout_ms);
  options.nova_api_schema = cfg.database_schema == "nova_api";
  auto store = store::open_keypair_store(cfg.effective_database_connection(), options);
  if (!store) {
    std::fprintf(stderr, "keypaird-manage: cannot open the keypair store: %s\n",
                 store.status().message().c_str());
    return nullptr;
  }
  return std::move(store).value();
}

int db_sync(const config::Config& cfg) {
  auto store = open_store(cfg);  // opening migrates (in Nova's database: checks, changes nothing)
  if (!store) return 1;
  if (cfg.database_schema == "nova_api") {
    std::printf(
        "%s: Nova's key_pairs table, as keypaird needs it (schema = nova_api: keypaird"
        " creates and migrates nothing there; nova-manage api_db sync does)\n",
        store::describe_keypair_store(cfg.effective_database_connection()).c_str());
    return 0;
  }
  auto versions = store::read_keypair_store_schema_version(cfg.effective_database_connection());
  if (!versions) {
    std::fprintf(stderr, "keypaird-manage: %s\n", versions.status().message().c_str());
    return 1;
  }
  std::printf("%s: schema version %d\n",
              store::describe_keypair_store(cfg.effective_database_connection()).c_str(),
              versions->current);
  return 0;
}

int db_version(const config::Config& cfg) {
  if (cfg.database_schema == "nova_api") {
    std::printf("nova_api\n");
    std::fprintf(stderr,
                 "schema = nova_api: the schema is Nova's (see nova-manage api_db version)\n");
    return 0;
  }
  auto versions = store::read_keypair_store_schema_version(cfg.effective_database_connection());
  if (!versions) {
    std::fprintf(stderr, "keypaird-manage: %s\n", versions.status().message().c_str());
    return 1;
  }
  std::printf("%d\n", versions->current);
  if (versions->current < versions->latest)
    std::fprintf(stderr, "this keypaird migrates to version %d: run keypaird-manage db sync\n",
                 versions->latest);
  return 0;
}

int keypairs_list(const config::Config& cfg, const std::string& user) {
  auto store = open_store(cfg);
  if (!store) return 1;
  auto rows = store->list(user, std::nullopt, std::nullopt);
  if (!rows) {
    std::fprintf(stderr, "keypaird-manage: the keypair store is unavailable\n");
    return 1;
  }
  for (const auto& k : *rows)
    std::printf("%s\t%s\t%s\t%s\n", k.name.c_str(), k.type.c_str(), k.fingerprint.c_str(),
                k.created_at.c_str());
  return 0;
}

int keypairs_count(const config::Config& cfg, const std::optional<std::string>& user) {
  auto store = open_store(cfg);
  if (!store) return 1;
  auto n = user ? store->count(*user) : store->count_all();
  if (!n) {
    std::fprintf(stderr, "keypaird-manage: the keypair store is unavailable\n");
    return 1;
  }
  std::printf("%lld\n", static_cast<long long>(*n));
  return 0;
}

int export_command(const config::Config& cfg, const std::string& file) {
  auto store = open_store(cfg);
  if (!store) return 1;
  std::int64_t total = store->count_all().is_ok() ? *store->count_all() : 0;
  std::ofstream out_file;
  if (!file.empty()) {
    out_file.open(file, std::ios::binary | std::ios::trunc);
    if (!out_file) {
      std::fprintf(stderr, "keypaird-manage: cannot write %s\n", file.c_str());
      return 1;
    }
    ::chmod(file.c_str(), 0600);
  }
  std::ostream& out = file.empty() ? std::cout : out_file;
  manage::Progress progress("export", total);
  auto written = manage::export_keypairs(*store, out, &progress);
  progress.finish();
  if (!written) {
    std::fprintf(stderr, "keypaird-manage: %s\n", written.status().message().c_str());
    return 1;
  }
  std::fprintf(stderr, "exported %lld keypairs\n", static_cast<long long>(*written));
  return 0;
}

int report_import(const manage::ImportReport& report) {
  std::printf("%s", report.summary().c_str());
  return report.stopped.is_ok() ? 0 : 1;
}

int import_command(const config::Config& cfg, const std::string& file) {
  std::ifstream in_file;
  std::int64_t total = 0;
  if (!file.empty()) {
    in_file.open(file, std::ios::binary);
    if (!in_file) {
      std::fprintf(stderr, "keypaird-manage: cannot read %s\n", file.c_str());
      return 1;
    }
    std::string line;
    while (std::getline(in_file, line))
      if (line.find_first_not_of(" \t\r") != std::string::npos) ++total;
    in_file.clear();
    in_file.seekg(0);
  }
  auto store = open_store(cfg);
  if (!store) return 1;
  manage::Progress progress("import", total);
  auto report = manage::import_keypairs(*store, file.empty() ? std::cin : in_file, &progress);
  progress.finish();
  return report_import(report);
}

int import_nova_command(const config::Config& cfg, const std::string& connection) {
  auto source = manage::open_nova_source(connection);
  if (!source) {
    std::fprintf(stderr, "keypaird-manage: %s\n", source.status().message().c_str());
    return 1;
  }
  auto total = (*source)->count();
  if (!total) {
    std::fprintf(stderr, "keypaird-manage: %s\n", total.status().message().c_str());
    return 1;
  }
  auto store = open_store(cfg);
  if (!store) return 1;
  manage::Progress progress("import-nova", *total);
  auto report = manage::import_from_nova(**source, *store, &progress);
  progress.finish();
  return report_import(report);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> config_files;
  std::vector<std::string> words;  // the command and its options
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (words.empty() && (arg == "--help" || arg == "-h")) {
      std::printf("%s", kUsage);
      return 0;
    }
    if (words.empty() && arg == "--version") {
      std::printf("keypaird-manage %s\n", KEYPAIRD_VERSION);
      return 0;
    }
    if (arg == "--config-file" && i + 1 < argc) {
      config_files.push_back(argv[++i]);
    } else if (arg.rfind("--config-file=", 0) == 0) {
      config_files.push_back(arg.substr(14));
    } else {
      words.push_back(arg);
    }
  }
  if (words.empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }

  std::string group = words[0];
  std::size_t consumed = 1;
  std::string name = group;
  if ((group == "db" || group == "keypairs") && words.size() > 1 && words[1][0] != '-') {
    name += " " + words[1];
    consumed = 2;
  }
  std::vector<std::string> args(words.begin() + static_cast<std::ptrdiff_t>(consumed), words.end());

  Command command{name, "", po::options_description("Options")};
  if (name == "db sync") {
    command.description = "Creates the keypair database or brings its schema up to date.";
  } else if (name == "db version") {
    command.description = "Prints the schema version of the keypair database (0: not created).";
  } else if (name == "keypairs list") {
    command.description = "Lists one user's keypairs: name, type, fingerprint, created_at.";
    command.options.add_options()("user", po::value<std::string>()->required(), "the user id");
  } else if (name == "keypairs count") {
    command.description = "Counts the keypairs of one user, or of all users.";
    command.options.add_options()("user", po::value<std::string>(), "the user id");
  } else if (name == "export") {
    command.description =
        "Writes every keypair as one JSON object per line (id, user_id, name, type, "
        "fingerprint,\npublic_key, created_at), a backup that `import` restores exactly.";
    command.options.add_options()("file", po::value<std::string>()->default_value(""),
                                  "write here instead of standard output (mode 0600)");
  } else if (name == "import") {
    command.description =
        "Restores keypairs from `export` output with their ids, fingerprints and times. Rows\n"
        "already present are left alone; conflicting ones are reported and skipped.";
    command.options.add_options()("file", po::value<std::string>()->default_value(""),
                                  "read from here instead of standard input");
  } else if (name == "import-nova") {
    command.description =
        "Copies every keypair from the key_pairs table of a Nova API database, keeping ids\n"
        "(unless taken), names, fingerprints, types and creation times. Safe to re-run: rows\n"
        "already copied are left alone. Prints what it skipped and why.";
    command.options.add_options()("connection", po::value<std::string>()->required(),
                                  "the Nova API database, as nova.conf's [api_database] connection "
                                  "(sqlite:///<path> or mysql+pymysql://user:pw@host/nova_api)");
  } else {
    std::fprintf(stderr, "keypaird-manage: unknown command '%s'\n\n%s", name.c_str(), kUsage);
    return 2;
  }
  command.options.add_options()("config-file", po::value<std::vector<std::string>>(),
                                "keypaird's configuration (repeatable)");
  po::variables_map vm;
  int exit_code = 0;
  if (!parse_options(command, args, vm, exit_code)) return exit_code;
  if (vm.count("config-file")) {
    for (const auto& f : vm["config-file"].as<std::vector<std::string>>())
      config_files.push_back(f);
  }

  auto loaded = config::load_config_files(config_files);
  if (!loaded) {
    std::fprintf(stderr, "keypaird-manage: %s\n", loaded.status().message().c_str());
    return 2;
  }
  const config::Config& cfg = loaded->config;

  if (name == "db sync") return db_sync(cfg);
  if (name == "db version") return db_version(cfg);
  if (name == "keypairs list") return keypairs_list(cfg, vm["user"].as<std::string>());
  if (name == "keypairs count")
    return keypairs_count(
        cfg, vm.count("user") ? std::optional(vm["user"].as<std::string>()) : std::nullopt);
  if (name == "export") return export_command(cfg, vm["file"].as<std::string>());
  if (name == "import") return import_command(cfg, vm["file"].as<std::string>());
  return import_nova_command(cfg, vm["connection"].as<std::string>());
}
