// Opening the keypair store a [database] connection URL names, in one place for keypaird and
// keypaird-manage: sqlite:///relative/path and sqlite:////absolute/path (SQLAlchemy's
// spelling), and postgresql://user:password@host:port/dbname. Another store is one more branch
// in store_factory.cpp.
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
};

// Opens (creating the file and its directory if needed) and migrates the store. Returns null
// and sets `error` when the URL is not understood or the store cannot be opened.
std::unique_ptr<KeypairStore> open_keypair_store(const std::string& connection_url,
                                                 std::string& error,
                                                 const StoreOptions& options = {});

// The schema version the store at `connection_url` has now (0: not created yet), without
// creating or migrating anything; and the version this build migrates to.
bool read_keypair_store_schema_version(const std::string& connection_url, int& version, int& latest,
                                       std::string& error);

// A description for logs, without credentials ("sqlite /var/lib/keypaird/keypaird.sqlite").
std::string describe_keypair_store(const std::string& connection_url);

}  // namespace keypaird::store
