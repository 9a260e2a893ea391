// KeypairStore on an embedded SQLite file in WAL mode.
//
// Reads run on the calling thread, each thread with its own connection and prepared statements,
// so readers never wait for each other or for a commit. Writes are queued to one writer thread
// that commits whatever is waiting in one transaction and one sync (group commit); the caller
// blocks until its own write is durable.
#pragma once

#include <chrono>
#include <deque>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "common/thread_annotations.h"
#include "store/keypair_store.h"

struct sqlite3;

namespace keypaird::store {

class SqliteConnection;
class SqliteStatement;

class SqliteKeypairStore final : public KeypairDatabase {
 public:
  // Opens (creating if needed, with mode 0600) the database file and brings its schema up to
  // date. Throws std::runtime_error with a clear message when that fails.
  explicit SqliteKeypairStore(const std::string& path);
  ~SqliteKeypairStore() override;

  SqliteKeypairStore(const SqliteKeypairStore&) = delete;
  SqliteKeypairStore& operator=(const SqliteKeypairStore&) = delete;

  Result<StoredKeypair> get(const std::string& user_id, const std::string& name) override;
  Result<std::vector<StoredKeypair>> list(const std::string& user_id,
                                          const std::optional<std::string>& after_name,
                                          std::optional<std::int64_t> limit) override;
  Result<std::int64_t> count(const std::string& user_id) override;
  Result<StoredKeypair> create(const StoredKeypair& keypair, std::int64_t quota) override;
  Status remove(const std::string& user_id, const std::string& name) override;
  void create_async(const StoredKeypair& keypair, std::int64_t quota, CreateDone done) override;
  void remove_async(const std::string& user_id, const std::string& name, RemoveDone done) override;
  Threading threading() const override { return Threading::inline_reads_queued_writes; }
  // False when the database file was removed or replaced since it was opened (writes would then
  // go to a file nobody will read again) or when a trivial query fails.
  bool healthy() override;
  Status write_status() override EXCLUDES(health_mutex_, queue_mutex_);
  Result<std::vector<StoredKeypair>> scan(std::int64_t after_id, std::int64_t limit) override;
  Result<std::int64_t> count_all() override;
  Result<std::vector<Status>> restore(const std::vector<StoredKeypair>& rows) override;

  // The schema version this build writes.
  static constexpr int kSchemaVersion = 1;

  // The schema version of the database file at `path` without changing it: 0 when the file or
  // its schema does not exist yet. Unavailable when the file cannot be read.
  static Result<int> read_schema_version(const std::string& path);

 private:
  struct CreateOp {
    StoredKeypair keypair;
    std::int64_t quota;
    CreateDone done;
  };
  struct RemoveOp {
    std::string user_id;
    std::string name;
    RemoveDone done;
  };
  struct RestoreOp {
    std::vector<StoredKeypair> rows;
    std::promise<Result<std::vector<Status>>> done;
  };
  struct ProbeOp {};  // a one-row write, to learn whether failing writes work again
  using WriteOp = std::variant<CreateOp, RemoveOp, RestoreOp, ProbeOp>;

  // After each transaction of the writer (ok: committed; else why not): logs once when writes
  // start failing and once when they work again.
  void note_write_outcome(const Status& outcome) EXCLUDES(health_mutex_);

  // This thread's read connection, opened on first use; unavailable when it cannot be opened.
  Result<SqliteConnection*> reader();
  // The reader's prepared statement for `sql`; unavailable when there is none.
  Result<SqliteStatement*> read_statement(const std::string& sql);
  void writer_loop() EXCLUDES(queue_mutex_);
  void enqueue(WriteOp op) EXCLUDES(queue_mutex_);

  std::string path_;
  std::uint64_t instance_id_;
  std::uint64_t file_device_ = 0;  // identity of the file opened, for healthy()
  std::uint64_t file_inode_ = 0;
  Mutex readers_mutex_;
  // Owns every thread's read connection, so they close with the store.
  std::vector<std::unique_ptr<SqliteConnection>> readers_ GUARDED_BY(readers_mutex_);

  std::unique_ptr<SqliteConnection> writer_connection_;  // used only by writer_thread_
  Mutex queue_mutex_;
  CondVar queue_ready_;  // with queue_mutex_
  std::deque<WriteOp> queue_ GUARDED_BY(queue_mutex_);
  bool stopping_ GUARDED_BY(queue_mutex_) = false;

  Mutex health_mutex_;
  std::string write_failure_ GUARDED_BY(health_mutex_);  // empty while writes succeed
  std::chrono::steady_clock::time_point last_probe_ GUARDED_BY(health_mutex_);
  std::thread writer_thread_;
};

}  // namespace keypaird::store
