// KeypairStore on an embedded SQLite file in WAL mode.
//
// Reads run on the calling thread, each thread with its own connection and prepared statements,
// so readers never wait for each other or for a commit. Writes are queued to one writer thread
// that commits whatever is waiting in one transaction and one sync (group commit); the caller
// blocks until its own write is durable.
#pragma once

#include <deque>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <variant>

#include "common/thread_annotations.h"
#include "store/keypair_store.h"

struct sqlite3;

namespace keypaird::store {

class SqliteConnection;

class SqliteKeypairStore final : public KeypairStore {
 public:
  // Opens (creating if needed, with mode 0600) the database file and brings its schema up to
  // date. Throws std::runtime_error with a clear message when that fails.
  explicit SqliteKeypairStore(const std::string& path);
  ~SqliteKeypairStore() override;

  SqliteKeypairStore(const SqliteKeypairStore&) = delete;
  SqliteKeypairStore& operator=(const SqliteKeypairStore&) = delete;

  StoreStatus get(const std::string& user_id, const std::string& name, StoredKeypair& out) override;
  StoreStatus list(const std::string& user_id, const std::optional<std::string>& after_name,
                   std::optional<std::int64_t> limit, std::vector<StoredKeypair>& out) override;
  StoreStatus count(const std::string& user_id, std::int64_t& out) override;
  CreateOutcome create(const StoredKeypair& keypair, std::int64_t quota) override;
  StoreStatus remove(const std::string& user_id, const std::string& name) override;

  // The schema version this build writes.
  static constexpr int kSchemaVersion = 1;

 private:
  struct CreateOp {
    StoredKeypair keypair;
    std::int64_t quota;
    std::promise<CreateOutcome> done;
  };
  struct RemoveOp {
    std::string user_id;
    std::string name;
    std::promise<StoreStatus> done;
  };
  using WriteOp = std::variant<CreateOp, RemoveOp>;

  SqliteConnection& reader();
  void writer_loop() EXCLUDES(queue_mutex_);
  void enqueue(WriteOp op) EXCLUDES(queue_mutex_);

  std::string path_;
  std::uint64_t instance_id_;
  Mutex readers_mutex_;
  // Owns every thread's read connection, so they close with the store.
  std::vector<std::unique_ptr<SqliteConnection>> readers_ GUARDED_BY(readers_mutex_);

  std::unique_ptr<SqliteConnection> writer_connection_;  // used only by writer_thread_
  Mutex queue_mutex_;
  CondVar queue_ready_;  // with queue_mutex_
  std::deque<WriteOp> queue_ GUARDED_BY(queue_mutex_);
  bool stopping_ GUARDED_BY(queue_mutex_) = false;
  std::thread writer_thread_;
};

}  // namespace keypaird::store
