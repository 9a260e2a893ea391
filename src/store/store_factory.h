// Opening the keypair store a [database] connection URL names, in one place for keypaird and
// keypaird-manage: sqlite:///relative/path and sqlite:////absolute/path (SQLAlchemy's
// spelling), postgresql://user:password@host:port/dbname, and MariaDB's
// mysql[+driver]://user:password@host:port/dbname and mariadb://... (see mariadb_keypair_store.h).
// Another store is one more branch in store_factory.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "store/keypair_store.h"

namespace keypaird::store {

// Settings that only a database server store uses.
struct StoreOptions {
  std::size_t pool_size = 8;                // connections per node
  std::chrono::milliseconds timeout{5000};  // one call's limit, waiting included
  // [database] schema = nova_api: Nova's own key_pairs table, used as nova-api uses it and
  // never created or altered (MariaDB only).
  bool nova_api_schema = false;
};

// Opens (creating the file and its directory if needed) and migrates the store; invalid_input
// when the URL is not understood, unavailable when the store cannot be opened (the message says
// why, never with a password).
Result<std::unique_ptr<KeypairDatabase>> open_keypair_store(const std::string& connection_url,
                                                            const StoreOptions& options = {});

struct SchemaVersions {
  int current = 0;  // what the store has now (0: not created yet)
  int latest = 0;   // what this build migrates to
};
// The schema version of the store at `connection_url` (SQLite or MariaDB), without creating or
// migrating anything.
Result<SchemaVersions> read_keypair_store_schema_version(const std::string& connection_url);

// A description for logs, without credentials ("sqlite /var/lib/keypaird/keypaird.sqlite").
std::string describe_keypair_store(const std::string& connection_url);

}  // namespace keypaird::store
