// SqliteKeypairStore: schema, per-thread read connections, and the group-commit writer.
#include "store/sqlite_keypair_store.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <unordered_map>

#include "store/sqlite_connection.h"

namespace keypaird::store {

namespace {

std::atomic<std::uint64_t> next_instance_id{1};

// Short names for this file's many uses of the shared wrapper.
using Binding = SqliteBinding;

const std::string kGetSql =
    std::string("SELECT ") + kKeypairColumns + " FROM key_pairs WHERE user_id = ?1 AND name = ?2";
const std::string kListSql = std::string("SELECT ") + kKeypairColumns +
                             " FROM key_pairs WHERE user_id = ?1 AND name > ?2 ORDER BY name"
                             " LIMIT ?3";
const std::string kListAllSql = std::string("SELECT ") + kKeypairColumns +
                                " FROM key_pairs WHERE user_id = ?1 ORDER BY name LIMIT ?2";
const std::string kCountSql = "SELECT count(*) FROM key_pairs WHERE user_id = ?1";
const std::string kExistsSql = "SELECT 1 FROM key_pairs WHERE user_id = ?1 AND name = ?2";
const std::string kInsertSql =
    "INSERT INTO key_pairs (user_id, name, fingerprint, public_key, type, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
const std::string kDeleteSql = "DELETE FROM key_pairs WHERE user_id = ?1 AND name = ?2";
const std::string kScanSql =
    std::string("SELECT ") + kKeypairColumns + " FROM key_pairs WHERE id > ?1 ORDER BY id LIMIT ?2";
const std::string kCountAllSql = "SELECT count(*) FROM key_pairs";
const std::string kIdExistsSql = "SELECT 1 FROM key_pairs WHERE id = ?1";
const std::string kRestoreSql =
    "INSERT INTO key_pairs (id, user_id, name, fingerprint, public_key, type, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const std::string kProbeSql = "SELECT max(version) FROM schema_version";
// Rewrites a row as it is: a real write (a WAL frame), with nothing changed.
const std::string kWriteProbeSql = "UPDATE schema_version SET version = version";

// Creates or upgrades the schema, in one transaction; unavailable saying why when that fails
// (internal when the file holds a schema newer than this build's).
Status migrate(SqliteConnection& c) {
  if (Status begun = c.exec("BEGIN IMMEDIATE"); !begun) return begun;
  auto migrate_in_transaction = [&c]() -> Status {
    if (Status created =
            c.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        !created)
      return created;
    std::int64_t version = 0;
    {
      auto s = SqliteStatement::prepare(c.handle(), "SELECT max(version) FROM schema_version");
      if (!s) return s.status();
      if (sqlite3_step(s->get()) == SQLITE_ROW) version = sqlite3_column_int64(s->get(), 0);
    }
    if (version > SqliteKeypairStore::kSchemaVersion)
      return Status::internal("database schema version " + std::to_string(version) +
                              " is newer than this keypaird understands (" +
                              std::to_string(SqliteKeypairStore::kSchemaVersion) + ")");
    if (version < 1) {
      // BINARY collation: names compare byte by byte, case-sensitively, as Nova's code expects.
      Status created = c.exec(
          "CREATE TABLE key_pairs ("
          " id INTEGER PRIMARY KEY AUTOINCREMENT,"
          " user_id TEXT NOT NULL,"
          " name TEXT NOT NULL,"
          " fingerprint TEXT,"
          " public_key TEXT,"
          " type TEXT NOT NULL DEFAULT 'ssh' CHECK (type IN ('ssh', 'x509')),"
          " created_at TEXT NOT NULL,"
          " updated_at TEXT,"
          " UNIQUE (user_id, name))");
      if (created) created = c.exec("INSERT INTO schema_version (version) VALUES (1)");
      if (!created) return created;
    }
    return c.exec("COMMIT");
  };
  Status migrated = migrate_in_transaction();
  if (!migrated) sqlite3_exec(c.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  return migrated;
}

}  // namespace

SqliteKeypairStore::SqliteKeypairStore(const std::string& path)
    : path_(path), instance_id_(next_instance_id.fetch_add(1)) {
  // Create the file ourselves so it is private from its first byte.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open database file " + path);
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    file_device_ = static_cast<std::uint64_t>(st.st_dev);
    file_inode_ = static_cast<std::uint64_t>(st.st_ino);
  }
  ::close(fd);
  auto writer = SqliteConnection::open(path_);
  if (!writer) throw std::runtime_error(writer.status().message());
  writer_connection_ = std::move(writer).value();
  if (Status migrated = migrate(*writer_connection_); !migrated)
    throw std::runtime_error(migrated.message());
  writer_thread_ = std::thread([this] { writer_loop(); });
}

SqliteKeypairStore::~SqliteKeypairStore() {
  {
    MutexLock lock(queue_mutex_);
    stopping_ = true;
  }
  queue_ready_.notify_all();
  if (writer_thread_.joinable()) writer_thread_.join();
}

Result<SqliteConnection*> SqliteKeypairStore::reader() {
  // Each thread keeps its own connection per store instance; ids never repeat, so a stale entry
  // of a destroyed store is never used again.
  thread_local std::unordered_map<std::uint64_t, SqliteConnection*> mine;
  auto it = mine.find(instance_id_);
  if (it != mine.end()) return it->second;
  auto opened = SqliteConnection::open(path_);
  if (!opened) return std::move(opened).status();
  SqliteConnection* raw = opened->get();
  {
    MutexLock lock(readers_mutex_);
    readers_.push_back(std::move(opened).value());
  }
  mine.emplace(instance_id_, raw);
  return raw;
}

Result<SqliteStatement*> SqliteKeypairStore::read_statement(const std::string& sql) {
  auto connection = reader();
  if (!connection) return std::move(connection).status();
  return (*connection)->statement(sql);
}

Result<StoredKeypair> SqliteKeypairStore::get(const std::string& user_id, const std::string& name) {
  auto statement = read_statement(kGetSql);
  if (!statement) return unavailable();
  Binding b(**statement);
  b.text(1, user_id).text(2, name);
  int rc = b.step();
  if (rc == SQLITE_ROW) {
    StoredKeypair row;
    read_keypair_row(b, row);
    return row;
  }
  return rc == SQLITE_DONE ? not_found() : unavailable();
}

Result<std::vector<StoredKeypair>> SqliteKeypairStore::list(
    const std::string& user_id, const std::optional<std::string>& after_name,
    std::optional<std::int64_t> limit) {
  auto statement = read_statement(after_name ? kListSql : kListAllSql);
  if (!statement) return unavailable();
  std::vector<StoredKeypair> out;
  std::int64_t max_rows = limit ? *limit : -1;
  // A page is usually full: room for it at once rather than a move of every row per growth
  // (bounded, as the limit comes from the request).
  out.reserve(static_cast<std::size_t>(max_rows > 0 ? std::min<std::int64_t>(max_rows, 128) : 16));
  Binding b(**statement);
  b.text(1, user_id);
  if (after_name) {
    b.text(2, *after_name).integer(3, max_rows);
  } else {
    b.integer(2, max_rows);
  }
  int rc;
  while ((rc = b.step()) == SQLITE_ROW) read_keypair_row(b, out.emplace_back());
  if (rc != SQLITE_DONE) return unavailable();
  return out;
}

Result<std::int64_t> SqliteKeypairStore::count(const std::string& user_id) {
  auto statement = read_statement(kCountSql);
  if (!statement) return unavailable();
  Binding b(**statement);
  b.text(1, user_id);
  if (b.step() != SQLITE_ROW) return unavailable();
  return b.column_int(0);
}

Result<StoredKeypair> SqliteKeypairStore::create(const StoredKeypair& keypair, std::int64_t quota) {
  std::promise<Result<StoredKeypair>> result;
  auto future = result.get_future();
  create_async(keypair, quota,
               [&result](Result<StoredKeypair> outcome) { result.set_value(std::move(outcome)); });
  return future.get();
}

Status SqliteKeypairStore::remove(const std::string& user_id, const std::string& name) {
  std::promise<Status> result;
  auto future = result.get_future();
  remove_async(user_id, name, [&result](Status status) { result.set_value(std::move(status)); });
  return future.get();
}

void SqliteKeypairStore::create_async(const StoredKeypair& keypair, std::int64_t quota,
                                      CreateDone done) {
  enqueue(CreateOp{keypair, quota, std::move(done)});
}

void SqliteKeypairStore::remove_async(const std::string& user_id, const std::string& name,
                                      RemoveDone done) {
  enqueue(RemoveOp{user_id, name, std::move(done)});
}

void SqliteKeypairStore::enqueue(WriteOp op) {
  {
    MutexLock lock(queue_mutex_);
    queue_.emplace_back(std::move(op));
  }
  queue_ready_.notify_one();
}

bool SqliteKeypairStore::healthy() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0 || static_cast<std::uint64_t>(st.st_dev) != file_device_ ||
      static_cast<std::uint64_t>(st.st_ino) != file_inode_)
    return false;
  auto statement = read_statement(kProbeSql);
  if (!statement) return false;
  Binding b(**statement);
  return b.step() == SQLITE_ROW;
}

namespace {

bool has_room_to_write(const std::string& path) {
  constexpr std::uint64_t kRoomBytes = 1 << 20;
  std::string directory = path.substr(0, path.find_last_of('/') + 1);
  struct statvfs fs {};
  if (::statvfs(directory.empty() ? "." : directory.c_str(), &fs) != 0) return true;
  return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize >= kRoomBytes;
}

}  // namespace

Status SqliteKeypairStore::write_status() {
  bool probe = false;
  std::string problem;
  {
    MutexLock lock(health_mutex_);
    problem = write_failure_;
    auto now = std::chrono::steady_clock::now();
    if (!problem.empty() && now - last_probe_ >= std::chrono::seconds(1)) {
      last_probe_ = now;
      probe = true;
    }
  }
  // A one-page write can succeed in WAL space already allocated while every real insert still
  // fails, so the probe runs only once the file system has room again.
  if (probe && has_room_to_write(path_)) enqueue(ProbeOp{});
  if (problem.empty()) return Status::ok();
  return Status::unavailable(std::move(problem));
}

void SqliteKeypairStore::note_write_outcome(const Status& outcome) {
  MutexLock lock(health_mutex_);
  const std::string& error = outcome.message();
  if (outcome.is_ok()) {
    if (!write_failure_.empty())
      spdlog::warn("database: writes to {} succeed again (they failed with: {})", path_,
                   write_failure_);
    write_failure_.clear();
  } else {
    if (write_failure_.empty())
      spdlog::error(
          "database: writes to {} fail ({}); creates and deletes answer 503 and /healthcheck "
          "reports it until a write succeeds",
          path_, error);
    write_failure_ = error.empty() ? "write failed" : error;
  }
}

Result<std::vector<StoredKeypair>> SqliteKeypairStore::scan(std::int64_t after_id,
                                                            std::int64_t limit) {
  auto statement = read_statement(kScanSql);
  if (!statement) return unavailable();
  std::vector<StoredKeypair> out;
  Binding b(**statement);
  b.integer(1, after_id).integer(2, limit);
  int rc;
  while ((rc = b.step()) == SQLITE_ROW) read_keypair_row(b, out.emplace_back());
  if (rc != SQLITE_DONE) return unavailable();
  return out;
}

Result<std::int64_t> SqliteKeypairStore::count_all() {
  auto statement = read_statement(kCountAllSql);
  if (!statement) return unavailable();
  Binding b(**statement);
  if (b.step() != SQLITE_ROW) return unavailable();
  return b.column_int(0);
}

Result<std::vector<Status>> SqliteKeypairStore::restore(const std::vector<StoredKeypair>& rows) {
  RestoreOp op{rows, {}};
  auto result = op.done.get_future();
  enqueue(std::move(op));
  return result.get();
}

Result<int> SqliteKeypairStore::read_schema_version(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0) return 0;
  auto opened = SqliteConnection::open_read_only(path);
  if (!opened)
    return Status::unavailable("cannot open database " + path + ": " + opened.status().message());
  SqliteConnection& db = **opened;
  bool has_table = false;
  {
    auto tables = db.statement(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
    if (!tables)
      return Status::unavailable("cannot read database " + path + ": " + db.error_message());
    Binding b(**tables);
    has_table = b.step() == SQLITE_ROW && b.column_int(0) > 0;
  }
  if (!has_table) return 0;
  std::string problem;
  if (auto version = db.statement(kProbeSql); version) {
    Binding b(**version);
    if (b.step() == SQLITE_ROW) return static_cast<int>(b.column_int(0));
    problem = db.error_message();  // before the binding's reset
  } else {
    problem = db.error_message();
  }
  return Status::unavailable("cannot read the schema version of " + path + ": " + problem);
}

namespace {

// One row of a restore inside the writer's transaction: whether it was inserted (false: its
// name or id is taken); unavailable when SQLite fails, which ends the transaction.
Result<bool> restore_row(SqliteConnection& c, const StoredKeypair& k) {
  {
    auto exists = c.statement(kExistsSql);
    if (!exists) return exists.status();
    Binding b(**exists);
    b.text(1, k.user_id).text(2, k.name);
    if (b.step() == SQLITE_ROW) return false;
  }
  if (k.id > 0) {
    auto id_exists = c.statement(kIdExistsSql);
    if (!id_exists) return id_exists.status();
    Binding b(**id_exists);
    b.integer(1, k.id);
    if (b.step() == SQLITE_ROW) return false;
  }
  auto insert = c.statement(kRestoreSql);
  if (!insert) return insert.status();
  Binding b(**insert);
  if (k.id > 0) {
    b.integer(1, k.id);
  } else {
    b.null(1);
  }
  b.text(2, k.user_id).text(3, k.name).text(4, k.fingerprint).text(5, k.public_key);
  b.text(6, k.type).text(7, k.created_at);
  if (b.step() != SQLITE_DONE) return Status::unavailable("restore insert failed");
  return true;
}

}  // namespace

void SqliteKeypairStore::writer_loop() {
  SqliteConnection& c = *writer_connection_;
  for (;;) {
    std::deque<WriteOp> batch;
    {
      MutexLock lock(queue_mutex_);
      while (!stopping_ && queue_.empty()) queue_ready_.wait(queue_mutex_);
      if (queue_.empty()) return;  // stopping, and everything queued was written
      batch.swap(queue_);
    }

    // Outcomes are decided inside the transaction but only delivered after COMMIT succeeds.
    std::vector<Result<StoredKeypair>> create_outcomes;
    std::vector<Status> remove_outcomes;
    std::vector<std::vector<Status>> restore_outcomes;
    // The whole batch in one transaction; a failure of any statement ends it.
    auto write_batch = [&]() -> Status {
      if (Status begun = c.exec("BEGIN IMMEDIATE"); !begun) return begun;
      for (auto& op : batch) {
        if (auto* create = std::get_if<CreateOp>(&op)) {
          const StoredKeypair& k = create->keypair;
          std::int64_t held = 0;
          if (create->quota >= 0) {  // counting walks the user's keys: only when a quota applies
            auto count = c.statement(kCountSql);
            if (!count) return count.status();
            Binding b(**count);
            b.text(1, k.user_id);
            if (b.step() != SQLITE_ROW) return Status::unavailable("count failed");
            held = b.column_int(0);
          }
          if (create->quota >= 0 && held >= create->quota) {
            create_outcomes.emplace_back(quota_full());
            continue;
          }
          {
            auto exists = c.statement(kExistsSql);
            if (!exists) return exists.status();
            Binding b(**exists);
            b.text(1, k.user_id).text(2, k.name);
            if (b.step() == SQLITE_ROW) {
              create_outcomes.emplace_back(name_taken());
              continue;
            }
          }
          StoredKeypair row = k;
          row.created_at = current_timestamp();
          auto insert = c.statement(kInsertSql);
          if (!insert) return insert.status();
          Binding b(**insert);
          b.text(1, k.user_id).text(2, k.name).text(3, k.fingerprint).text(4, k.public_key);
          b.text(5, k.type).text(6, row.created_at);
          if (b.step() != SQLITE_DONE) return Status::unavailable("insert failed");
          row.id = sqlite3_last_insert_rowid(c.handle());
          create_outcomes.emplace_back(std::move(row));
        } else if (auto* restore = std::get_if<RestoreOp>(&op)) {
          auto& statuses = restore_outcomes.emplace_back();
          for (const auto& row : restore->rows) {
            auto inserted = restore_row(c, row);
            if (!inserted) return inserted.status();
            statuses.push_back(*inserted ? Status::ok() : name_taken());
          }
        } else if (std::holds_alternative<ProbeOp>(op)) {
          if (Status probed = c.exec(kWriteProbeSql.c_str()); !probed) return probed;
        } else {
          auto& remove = std::get<RemoveOp>(op);
          auto statement = c.statement(kDeleteSql);
          if (!statement) return statement.status();
          Binding b(**statement);
          b.text(1, remove.user_id).text(2, remove.name);
          if (b.step() != SQLITE_DONE) return Status::unavailable("delete failed");
          remove_outcomes.push_back(sqlite3_changes(c.handle()) > 0 ? Status::ok() : not_found());
        }
      }
      return c.exec("COMMIT");
    };
    Status written;
    try {
      written = write_batch();
    } catch (const std::exception& e) {  // std::bad_alloc: nothing may escape this thread
      written = Status::unavailable(e.what());
    }
    if (!written) {
      // SQLite's own reason ("database or disk is full") when it has one.
      std::string error = sqlite3_errmsg(c.handle());
      if (error.empty() || error == "not an error") error = written.message();
      sqlite3_exec(c.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
      written = Status::unavailable(std::move(error));
    }
    note_write_outcome(written);
    const bool committed = written.is_ok();

    std::size_t next_create = 0, next_remove = 0, next_restore = 0;
    for (auto& op : batch) {
      if (auto* create = std::get_if<CreateOp>(&op)) {
        if (committed) {
          create->done(std::move(create_outcomes[next_create++]));
        } else {
          create->done(unavailable());
        }
      } else if (auto* restore = std::get_if<RestoreOp>(&op)) {
        if (committed) {
          restore->done.set_value(std::move(restore_outcomes[next_restore++]));
        } else {
          restore->done.set_value(unavailable());
        }
      } else if (auto* remove = std::get_if<RemoveOp>(&op)) {
        remove->done(committed ? std::move(remove_outcomes[next_remove++]) : unavailable());
      }
    }
  }
}

}  // namespace keypaird::store
