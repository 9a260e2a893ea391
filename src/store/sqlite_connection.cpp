// SqliteConnection, SqliteStatement, SqliteBinding and the key_pairs row mapping (see
// sqlite_connection.h).
#include "store/sqlite_connection.h"

#include <sqlite3.h>

#include <utility>

namespace keypaird::store {

namespace {

// SQLite's memory statistics (sqlite3_memory_used, unused here) take a global mutex around
// every allocation, from every connection on every thread; switched off before SQLite
// initializes (at the first connection), where sqlite3_config is allowed.
void configure_sqlite_once() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);  // SQLITE_MISUSE if already initialized: fine
    return true;
  }();
  (void)configured;
}

}  // namespace

Result<SqliteStatement> SqliteStatement::prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt);  // null after a failure, but say so
    return Status::unavailable(std::string("sqlite prepare failed: ") + sqlite3_errmsg(db));
  }
  return SqliteStatement(stmt);
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept : stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  std::swap(stmt_, other.stmt_);
  return *this;
}

SqliteBinding::~SqliteBinding() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

SqliteBinding& SqliteBinding::text(int index, const std::string& value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  return *this;
}

SqliteBinding& SqliteBinding::integer(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteBinding& SqliteBinding::null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

int SqliteBinding::step() { return sqlite3_step(stmt_); }

std::string SqliteBinding::column_text(int column) {
  auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : "";
}

std::int64_t SqliteBinding::column_int(int column) { return sqlite3_column_int64(stmt_, column); }

std::optional<std::string> SqliteBinding::column_optional_text(int column) {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return column_text(column);
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::open(const std::string& path) {
  configure_sqlite_once();
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection());
  int rc =
      sqlite3_open_v2(path.c_str(), &connection->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK)  // the destructor closes the handle SQLite may have allocated
    return Status::unavailable(
        "cannot open database " + path + ": " +
        (connection->db_ ? sqlite3_errmsg(connection->db_) : sqlite3_errstr(rc)));
  sqlite3_busy_timeout(connection->db_, 10000);
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"})
    if (Status set = connection->exec(pragma); !set) return set;
  return connection;
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::open_read_only(
    const std::string& path) {
  configure_sqlite_once();
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection());
  int rc = sqlite3_open_v2(path.c_str(), &connection->db_, SQLITE_OPEN_READONLY, nullptr);
  if (rc != SQLITE_OK)  // the destructor closes the handle SQLite may have allocated
    return Status::unavailable(connection->db_ ? sqlite3_errmsg(connection->db_)
                                               : sqlite3_errstr(rc));
  return connection;
}

SqliteConnection::~SqliteConnection() {
  statements_.clear();  // statements are finalized before the connection closes
  sqlite3_close(db_);
}

Status SqliteConnection::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    return Status::unavailable(std::string("sqlite: ") + message + " (in: " + sql + ")");
  }
  return Status::ok();
}

Result<SqliteStatement*> SqliteConnection::statement(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    auto prepared = SqliteStatement::prepare(db_, sql.c_str());
    if (!prepared) return std::move(prepared).status();
    it = statements_.emplace(sql, std::move(prepared).value()).first;
  }
  return &it->second;
}

std::string SqliteConnection::error_message() const { return sqlite3_errmsg(db_); }

void read_keypair_row(SqliteBinding& row, StoredKeypair& out) {
  out.id = row.column_int(kIdColumn);
  out.user_id = row.column_text(kUserIdColumn);
  out.name = row.column_text(kNameColumn);
  out.fingerprint = row.column_text(kFingerprintColumn);
  out.public_key = row.column_text(kPublicKeyColumn);
  out.type = row.column_text(kTypeColumn);
  out.created_at = row.column_text(kCreatedAtColumn);
}

}  // namespace keypaird::store
