// KeypairStore on an embedded SQLite file in WAL mode.
//
// Reads run on the calling thread, each thread with its own connection and prepared statements,
// so readers never wait for each other or for a commit. Writes are queued to one writer thread
// that commits whatever is waiting in one transaction and one sync (group commit); the caller
// blocks until its own write is durable.
#pragma once

#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>

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
  void create_async(const StoredKeypair& keypair, std::int64_t quota, CreateDone done) override;
  void remove_async(const std::string& user_id, const std::string& name, RemoveDone done) override;
  bool writes_are_asynchronous() const override { return true; }

  // The schema version this build writes.
  static constexpr int kSchemaVersion = 1;

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
  using WriteOp = std::variant<CreateOp, RemoveOp>;

  SqliteConnection& reader();
  void enqueue(WriteOp op);
  void writer_loop();

  std::string path_;
  std::uint64_t instance_id_;
  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;  // guarded by readers_mutex_

  std::unique_ptr<SqliteConnection> writer_connection_;  // used only by writer_thread_
  std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::deque<WriteOp> queue_;  // guarded by queue_mutex_
  bool stopping_ = false;      // guarded by queue_mutex_
  std::thread writer_thread_;
};

}  // namespace keypaird::store
