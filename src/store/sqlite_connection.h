// The SQLite wrapper shared by SqliteKeypairStore and keypaird-manage's Nova import: a
// connection with its cached prepared statements, a binding that resets its statement when it
// goes out of scope, and the one mapping from a key_pairs row to StoredKeypair.
//
// A connection is used by one thread at a time (SQLite's NOMUTEX mode for the store's
// connections); nothing here is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/status.h"
#include "store/keypair_store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace keypaird::store {

// A prepared statement, finalized on destruction.
class SqliteStatement {
 public:
  SqliteStatement() = default;
  // Prepares `sql` for reuse (SQLITE_PREPARE_PERSISTENT); unavailable ("sqlite prepare failed:
  // ...") when SQLite refuses it.
  static Result<SqliteStatement> prepare(sqlite3* db, const char* sql);
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;

  sqlite3_stmt* get() { return stmt_; }

 private:
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}

  sqlite3_stmt* stmt_ = nullptr;
};

// Binds parameters, steps and reads columns of one statement; resets it and clears its
// bindings when the scope ends, so the statement can be reused. Bound text is not copied: it
// must outlive the binding.
class SqliteBinding {
 public:
  explicit SqliteBinding(SqliteStatement& statement) : stmt_(statement.get()) {}
  ~SqliteBinding();
  SqliteBinding(const SqliteBinding&) = delete;
  SqliteBinding& operator=(const SqliteBinding&) = delete;

  SqliteBinding& text(int index, const std::string& value);
  SqliteBinding& integer(int index, std::int64_t value);
  SqliteBinding& null(int index);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();

  // Columns of the current row, counted from 0. NULL reads as "" and 0.
  std::string column_text(int column);
  std::int64_t column_int(int column);
  // nullopt for NULL.
  std::optional<std::string> column_optional_text(int column);

 private:
  sqlite3_stmt* stmt_;
};

// One connection with the statements it reuses.
class SqliteConnection {
 public:
  // The store's connections: read-write, creating the file, WAL journal, synchronous=FULL,
  // foreign keys on, waiting up to 10 s for a lock. unavailable ("cannot open database <path>:
  // <reason>", or the failed pragma's exec message) when the database cannot be opened or set up.
  static Result<std::unique_ptr<SqliteConnection>> open(const std::string& path);
  // A read-only connection to an existing file, changing nothing in it (no pragmas); when it
  // cannot be opened, unavailable with SQLite's reason as the message.
  static Result<std::unique_ptr<SqliteConnection>> open_read_only(const std::string& path);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Runs `sql` (one or more statements, no results); unavailable ("sqlite: <reason> (in:
  // <sql>)") on failure.
  Status exec(const char* sql);
  // The prepared statement for `sql`, prepared on first use and kept with the connection (the
  // pointer stays valid as long as the connection); unavailable when `sql` cannot be prepared.
  Result<SqliteStatement*> statement(const std::string& sql);
  // SQLite's message for the last failed call on this connection.
  std::string error_message() const;

  sqlite3* handle() { return db_; }

 private:
  SqliteConnection() = default;

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, SqliteStatement> statements_;
};

// The columns a keypair query selects, in this order, first in its select list (the Nova import
// adds its "deleted" column after them).
inline constexpr const char* kKeypairColumns =
    "id, user_id, name, fingerprint, public_key, type, created_at";
enum KeypairColumn : int {
  kIdColumn,
  kUserIdColumn,
  kNameColumn,
  kFingerprintColumn,
  kPublicKeyColumn,
  kTypeColumn,
  kCreatedAtColumn,
  kKeypairColumnCount
};

// The keypair in the current row of a statement selecting kKeypairColumns (NULL text as "").
void read_keypair_row(SqliteBinding& row, StoredKeypair& out);

}  // namespace keypaird::store
