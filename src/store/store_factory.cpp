// Store factory: URL parsing and the one switch over store kinds.
#include "store/store_factory.h"

#include <filesystem>

#include "store/sqlite_keypair_store.h"

namespace keypaird::store {

namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:///";

bool sqlite_path(const std::string& url, std::string& path) {
  if (url.rfind(kSqlitePrefix, 0) != 0) return false;
  path = url.substr(kSqlitePrefix.size());
  auto query = path.find('?');
  if (query != std::string::npos) path.resize(query);
  return !path.empty();
}

}  // namespace

std::unique_ptr<KeypairStore> open_keypair_store(const std::string& connection_url,
                                                 std::string& error) {
  std::string path;
  if (!sqlite_path(connection_url, path)) {
    error = "unsupported database connection URL (expected sqlite:///<path>)";
    return nullptr;
  }
  try {
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    return std::make_unique<SqliteKeypairStore>(path);
  } catch (const std::exception& e) {
    error = e.what();
    return nullptr;
  }
}

bool read_keypair_store_schema_version(const std::string& connection_url, int& version, int& latest,
                                       std::string& error) {
  std::string path;
  if (!sqlite_path(connection_url, path)) {
    error = "unsupported database connection URL (expected sqlite:///<path>)";
    return false;
  }
  latest = SqliteKeypairStore::kSchemaVersion;
  return SqliteKeypairStore::read_schema_version(path, version, error);
}

std::string describe_keypair_store(const std::string& connection_url) {
  std::string path;
  if (sqlite_path(connection_url, path)) return "sqlite " + path;
  return "unknown store";
}

}  // namespace keypaird::store
