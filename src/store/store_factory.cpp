// Store factory: URL parsing and the one switch over store kinds.
#include "store/store_factory.h"

#include <filesystem>

#include "store/database_url.h"
#include "store/mariadb_keypair_store.h"
#include "store/postgres_keypair_store.h"
#include "store/sqlite_keypair_store.h"

namespace keypaird::store {

namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:///";
constexpr std::string_view kPostgresPrefix = "postgresql://";

bool is_postgres(const std::string& url) { return url.rfind(kPostgresPrefix, 0) == 0; }

bool sqlite_path(const std::string& url, std::string& path) {
  if (url.rfind(kSqlitePrefix, 0) != 0) return false;
  path = url.substr(kSqlitePrefix.size());
  auto query = path.find('?');
  if (query != std::string::npos) path.resize(query);
  return !path.empty();
}

}  // namespace

Result<std::unique_ptr<KeypairDatabase>> open_keypair_store(const std::string& connection_url,
                                                            const StoreOptions& options) {
  if (options.nova_api_schema && !is_mariadb_url(connection_url))
    return Status::invalid_input(
        "[database] schema = nova_api needs a MariaDB connection URL (mysql+pymysql://...),"
        " Nova's API database");
  if (is_postgres(connection_url)) {
    try {
      PostgresOptions postgres;
      postgres.url = connection_url;
      postgres.pool_size = options.pool_size;
      postgres.timeout = options.timeout;
      return std::unique_ptr<KeypairDatabase>(std::make_unique<PostgresKeypairStore>(postgres));
    } catch (const std::exception& e) {
      return Status::unavailable(e.what());  // never carries the password
    }
  }
  if (is_mariadb_url(connection_url)) {
    auto endpoint = parse_mariadb_url(connection_url);
    if (!endpoint) return std::move(endpoint).status();
    try {
      MariadbOptions mariadb;
      mariadb.url = connection_url;
      mariadb.pool_size = options.pool_size;
      mariadb.timeout = options.timeout;
      mariadb.nova_api_schema = options.nova_api_schema;
      return std::unique_ptr<KeypairDatabase>(std::make_unique<MariadbKeypairStore>(mariadb));
    } catch (const std::exception& e) {
      return Status::unavailable(e.what());  // never carries the password
    }
  }
  std::string path;
  if (!sqlite_path(connection_url, path))
    return Status::invalid_input(
        "unsupported database connection URL (expected sqlite:///<path>, postgresql://... or"
        " mysql://...)");
  try {
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    return std::unique_ptr<KeypairDatabase>(std::make_unique<SqliteKeypairStore>(path));
  } catch (const std::exception& e) {
    return Status::unavailable(e.what());
  }
}

Result<SchemaVersions> read_keypair_store_schema_version(const std::string& connection_url) {
  std::string path;
  if (is_postgres(connection_url))
    return Status::invalid_input(
        "db version reads SQLite stores only; for PostgreSQL see keypaird_schema_version");
  if (is_mariadb_url(connection_url)) {
    auto current = MariadbKeypairStore::read_schema_version(connection_url, StoreOptions{}.timeout);
    if (!current) return std::move(current).status();
    return SchemaVersions{*current, MariadbKeypairStore::kSchemaVersion};
  }
  if (!sqlite_path(connection_url, path))
    return Status::invalid_input("unsupported database connection URL (expected sqlite:///<path>)");
  SchemaVersions versions;
  versions.latest = SqliteKeypairStore::kSchemaVersion;
  auto current = SqliteKeypairStore::read_schema_version(path);
  if (!current) return std::move(current).status();
  versions.current = *current;
  return versions;
}

std::string describe_keypair_store(const std::string& connection_url) {
  std::string path;
  if (sqlite_path(connection_url, path)) return "sqlite " + path;
  if (is_postgres(connection_url)) return "postgresql " + redact_database_url(connection_url);
  if (is_mariadb_url(connection_url)) return "mariadb " + redact_database_url(connection_url);
  return "unknown store";
}

}  // namespace keypaird::store
