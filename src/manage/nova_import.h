// Moving keypairs out of an existing Nova API database (its key_pairs table) into keypaird.
// A NovaKeypairSource reads the rows; import_from_nova() checks each one and hands the good ones
// to RowImporter, keeping Nova's ids, names, fingerprints, types and creation times, so the API
// shows exactly what Nova showed. SQLite and MariaDB sources are built in; a PostgreSQL source
// is one more NovaKeypairSource and one more branch in open_nova_source().
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "manage/backup.h"
#include "manage/progress.h"
#include "store/keypair_store.h"

namespace keypaird::manage {

// One row of Nova's key_pairs table as stored (NULLs kept as empty optionals).
struct NovaKeypairRow {
  std::int64_t id = 0;
  std::optional<std::string> user_id;
  std::optional<std::string> name;
  std::optional<std::string> fingerprint;
  std::optional<std::string> public_key;
  std::optional<std::string> type;
  std::optional<std::string> created_at;  // as the database returns it
  bool deleted = false;  // only pre-Newton cell databases had soft-deleted key_pairs rows
};

// Reads key_pairs in id order. Used from one thread.
class NovaKeypairSource {
 public:
  virtual ~NovaKeypairSource() = default;
  // Failures are unavailable, with the database's reason.
  virtual Result<std::int64_t> count() = 0;
  // Up to `max` rows after `after_id`; an empty result means the end.
  virtual Result<std::vector<NovaKeypairRow>> read(std::int64_t after_id, std::size_t max) = 0;
};

// `url` in SQLAlchemy's spelling, as in nova.conf's [api_database] connection:
// sqlite:///relative/path or sqlite:////absolute/path, or mysql+pymysql://user:pw@host/nova_api
// (MariaDB, see mariadb_keypair_store.h). Opened read-only. invalid_input for a URL
// keypaird cannot read, unavailable when the database cannot be opened or has no key_pairs.
Result<std::unique_ptr<NovaKeypairSource>> open_nova_source(const std::string& url);

// Nova's DATETIME text ("2014-05-07 12:06:13.681238", fraction optional) in the form its API
// shows ("2014-05-07T12:06:13.681238", always six digits); nullopt when it is not a timestamp.
std::optional<std::string> nova_timestamp(const std::string& stored);

// The keypair to import, or invalid_input saying why the Nova row cannot be imported.
Result<store::StoredKeypair> check_nova_row(const NovaKeypairRow& row);

ImportReport import_from_nova(NovaKeypairSource& source, store::KeypairDatabase& store,
                              Progress* progress);

}  // namespace keypaird::manage
