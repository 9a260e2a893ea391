// KeypairStore on a shared MariaDB database in keypaird's own schema, so several
// keypaird nodes can serve one set of keypairs from the database server an OpenStack cloud
// already runs.
//
// A bounded pool of MariaDB Connector/C connections, each with its statements prepared once
// (user input only ever travels as bound parameters). Every call has one deadline (`timeout`)
// covering the wait for a connection, connecting and the queries: Connector/C's non-blocking
// calls are driven with poll() until then, and past it the call answers `unavailable` and the
// connection is dropped, so a slow, frozen or dead server never holds a thread longer than that
// (the server also stops a statement, max_statement_time, at `timeout`). Dropped connections are
// reopened on demand, which is how the store recovers by itself after a restart. Deadlocks and
// lock wait timeouts (errors 1213 and 1205, which also report Galera's certification conflicts)
// are retried a few times within the deadline.
//
// Names, user ids and keys are VARBINARY/BLOB columns: compared and ordered byte by byte with
// no trailing-space padding whatever the server's defaults, NUL bytes and any other byte kept
// as given, so every answer equals SQLite's and PostgreSQL's.
//
// With nova_api_schema (`[database] schema = nova_api`) the store works in Nova's API database,
// on the key_pairs table `nova-manage api_db sync` made, the way nova-api 26.2.2 does: it
// creates and alters nothing (at start it checks that the table and its columns are there, and
// refuses to start otherwise); names and user ids are compared and ordered by the table's own
// collation (utf8mb3_general_ci on a real Nova: "Key1" and "key1" are one name); created_at has
// whole seconds (DATETIME); the quota is Nova's count, insert, recount (a create that finds the
// user over the quota after its insert removes its row again), since keypaird may add no lock
// table to Nova's database.
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

class MariadbConnection;

// Where and how to connect, from a URL as a nova.conf carries it:
//   mysql+pymysql://user:password@host:3306/dbname?charset=utf8
//   mysql://...   mariadb://...   (any "+driver" suffix is ignored)
//   mysql://user:password@localhost/dbname?unix_socket=/run/mysqld/mysqld.sock
// User and password are percent-decoded. Query parameters understood: unix_socket; ssl_ca,
// ssl_capath, ssl_cert, ssl_key, ssl_cipher, ssl_crl, ssl_verify_cert (TLS, passed to
// Connector/C); charset is accepted and ignored (connections always use utf8mb4); others are
// ignored with a warning.
struct MariadbEndpoint {
  std::string host;   // empty: localhost through the default socket
  unsigned port = 0;  // 0: 3306
  std::string user;
  std::string password;
  std::string database;
  std::string unix_socket;
  std::string ssl_ca, ssl_capath, ssl_cert, ssl_key, ssl_cipher, ssl_crl;
  bool ssl_verify_cert = false;
  bool ssl = false;                  // any ssl_* parameter given: TLS is required
  std::vector<std::string> ignored;  // names of parameters not understood
};

// True when `url`'s scheme is mysql or mariadb (with or without "+driver").
bool is_mariadb_url(const std::string& url);
// invalid_input saying what is wrong (never the password) when `url` is not such a URL.
Result<MariadbEndpoint> parse_mariadb_url(const std::string& url);

struct MariadbOptions {
  std::string url;
  std::size_t pool_size = 8;
  std::chrono::milliseconds timeout{5000};  // per call: pool wait + connect + queries
  std::chrono::milliseconds migration_timeout{60000};
  bool nova_api_schema = false;  // Nova's own key_pairs table (see the top of this file)
};

class MariadbKeypairStore final : public KeypairDatabase {
 public:
  // Connects once and brings the schema up to date (serialised across nodes by a named lock).
  // Throws std::runtime_error with a clear message (never the password) when that fails.
  explicit MariadbKeypairStore(MariadbOptions options);
  ~MariadbKeypairStore() override;

  MariadbKeypairStore(const MariadbKeypairStore&) = delete;
  MariadbKeypairStore& operator=(const MariadbKeypairStore&) = delete;

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
  // The schema version of the database `url` names (0: keypaird's tables are not there yet),
  // without creating or migrating anything; unavailable when it cannot be read.
  static Result<int> read_schema_version(const std::string& url, std::chrono::milliseconds timeout);
  // The longest user id and name the columns hold (bytes): together within InnoDB's 3072-byte
  // index key, and a name of 255 four-byte characters fits. No longer user id can hold a
  // keypair; creating one is refused as invalid input.
  static constexpr std::size_t kMaxUserIdBytes = 2048;
  static constexpr std::size_t kMaxNameBytes = 1020;
  // Nova's columns: VARCHAR(255), characters.
  static constexpr std::size_t kNovaMaxChars = 255;
  // The collation of the names in Nova's key_pairs table (empty in keypaird's own schema).
  const std::string& name_collation() const { return name_collation_; }

 private:
  using Clock = std::chrono::steady_clock;

  std::unique_ptr<MariadbConnection> acquire(Clock::time_point deadline, bool& reused)
      EXCLUDES(pool_mutex_);
  void release(std::unique_ptr<MariadbConnection> connection) EXCLUDES(pool_mutex_);
  // Runs `work` on a pooled connection within one deadline. When a reused connection turns out
  // to be dead before anything was done on it (the server restarted while it sat idle), tries
  // once more on a fresh one; when `work` hit a deadlock or a lock wait timeout (its
  // transaction rolled back), runs it again, a few times, while the deadline allows. A failure
  // of the database (unavailable from `work`) goes to the log with its own reason; the caller
  // hears the store's one unavailable message.
  Status with_connection(Clock::time_point deadline,
                         const std::function<Status(MariadbConnection&)>& work);

  void warn(const std::string& error);
  Result<StoredKeypair> create_nova(const StoredKeypair& keypair, std::int64_t quota);
  // invalid_input when a value is longer than the store's columns hold.
  Status check_lengths(const StoredKeypair& keypair) const;

  std::string name_collation_;

  MariadbOptions options_;
  MariadbEndpoint endpoint_;
  Mutex pool_mutex_;
  CondVar pool_changed_;  // an idle connection or a free slot appeared
  std::vector<std::unique_ptr<MariadbConnection>> idle_ GUARDED_BY(pool_mutex_);
  std::size_t open_ GUARDED_BY(pool_mutex_) = 0;  // idle + leased + being opened
  Clock::time_point connect_failed_at_ GUARDED_BY(pool_mutex_){};
  // Set when a connect fails or a connection breaks, cleared by a success.
  bool database_down_ GUARDED_BY(pool_mutex_) = false;
  std::atomic<Clock::rep> last_warning_{0};
};

}  // namespace keypaird::store
