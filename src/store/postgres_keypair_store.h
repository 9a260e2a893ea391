// KeypairStore on a shared PostgreSQL database, so several keypaird nodes can serve one set of
// keypairs.
//
// A bounded pool of libpq connections, each with its statements prepared once. Every call has
// one deadline (`timeout`) covering the wait for a connection, connecting and the queries; past
// it the call answers `unavailable` and the connection is dropped, so a slow or dead server
// never holds a thread longer than that. Dropped connections are reopened on demand, which is
// how the store recovers by itself when the server comes back. Creates take a per-user
// transaction-scoped advisory lock before counting, so the quota holds across nodes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/thread_annotations.h"
#include "store/keypair_store.h"

namespace keypaird::store {

class PostgresConnection;

struct PostgresOptions {
  std::string url;  // postgresql://user:password@host:port/dbname[?param=value...]
  std::size_t pool_size = 8;
  std::chrono::milliseconds timeout{5000};  // per call: pool wait + connect + queries
  std::chrono::milliseconds migration_timeout{60000};
};

class PostgresKeypairStore final : public KeypairDatabase {
 public:
  // Connects once and brings the schema up to date (serialised across nodes by an advisory
  // lock). Throws std::runtime_error with a clear message (never the password) when that fails.
  explicit PostgresKeypairStore(PostgresOptions options);
  ~PostgresKeypairStore() override;

  PostgresKeypairStore(const PostgresKeypairStore&) = delete;
  PostgresKeypairStore& operator=(const PostgresKeypairStore&) = delete;

  Threading threading() const override { return Threading::blocking_calls; }

  Result<StoredKeypair> get(const std::string& user_id, const std::string& name) override;
  Result<std::vector<StoredKeypair>> list(const std::string& user_id,
                                          const std::optional<std::string>& after_name,
                                          std::optional<std::int64_t> limit) override;
  Result<std::int64_t> count(const std::string& user_id) override;
  Result<StoredKeypair> create(const StoredKeypair& keypair, std::int64_t quota) override;
  Status remove(const std::string& user_id, const std::string& name) override;
  Result<std::vector<StoredKeypair>> scan(std::int64_t after_id, std::int64_t limit) override;
  Result<std::int64_t> count_all() override;
  Result<std::vector<Status>> restore(const std::vector<StoredKeypair>& rows) override;

  // The schema version this build writes.
  static constexpr int kSchemaVersion = 1;

 private:
  using Clock = std::chrono::steady_clock;

  std::unique_ptr<PostgresConnection> acquire(Clock::time_point deadline, bool& reused)
      EXCLUDES(pool_mutex_);
  void release(std::unique_ptr<PostgresConnection> connection) EXCLUDES(pool_mutex_);
  // Runs `work` on a pooled connection within one deadline. When a reused connection turns out
  // to be dead before anything was done on it (the server restarted while it sat idle), tries
  // once more on a fresh one.
  Status with_connection(Clock::time_point deadline,
                         const std::function<Status(PostgresConnection&)>& work);

  void warn(const std::string& error);

  PostgresOptions options_;
  Mutex pool_mutex_;
  CondVar pool_changed_;  // an idle connection or a free slot appeared
  std::vector<std::unique_ptr<PostgresConnection>> idle_ GUARDED_BY(pool_mutex_);
  std::size_t open_ GUARDED_BY(pool_mutex_) = 0;  // idle + leased + being opened
  Clock::time_point connect_failed_at_ GUARDED_BY(pool_mutex_){};
  // Set when a connect fails or a connection breaks, cleared by a success.
  bool database_down_ GUARDED_BY(pool_mutex_) = false;
  std::atomic<Clock::rep> last_warning_{0};
};

}  // namespace keypaird::store
