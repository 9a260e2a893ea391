// The storage interface for keypairs. Implementations: SqliteKeypairStore (embedded default),
// PostgresKeypairStore (several nodes on one database), MemoryKeypairStore (unit tests) and
// InstrumentedKeypairStore (metrics around another store). All methods are safe to call from
// many threads at once. How a store wants to be called (threading()) is read in one place only:
// keypairs::AsyncKeypairStore, which decides on which thread each call runs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace keypaird::store {

struct StoredKeypair {
  std::int64_t id = 0;
  std::string user_id;
  std::string name;
  std::string fingerprint;
  std::string public_key;
  std::string type;        // "ssh" or "x509"
  std::string created_at;  // "YYYY-MM-DDThh:mm:ss.ffffff", UTC
};

enum class StoreStatus {
  ok,
  not_found,
  duplicate,       // (user_id, name) already exists
  quota_exceeded,  // the user already holds `quota` keypairs
  unavailable,     // the database failed; nothing was changed
};

struct CreateOutcome {
  StoreStatus status = StoreStatus::unavailable;
  StoredKeypair keypair;  // with id and created_at filled in when status == ok
};

class KeypairStore {
 public:
  virtual ~KeypairStore() = default;

  // How calls may be made: inline_calls (nothing ever waits long), blocking_calls (every call
  // may wait on a database server, so none may run on a network thread), or
  // inline_reads_queued_writes (reads are local and quick; writes are queued through
  // create_async/remove_async, which return at once and report from the store's own thread).
  enum class Threading { inline_calls, blocking_calls, inline_reads_queued_writes };
  virtual Threading threading() const { return Threading::inline_calls; }

  // One keypair by exact (byte-wise) name; not_found when absent.
  virtual StoreStatus get(const std::string& user_id, const std::string& name,
                          StoredKeypair& out) = 0;

  // The user's keypairs in byte order of name, starting strictly after `after_name` when given,
  // at most `limit` of them when given.
  virtual StoreStatus list(const std::string& user_id, const std::optional<std::string>& after_name,
                           std::optional<std::int64_t> limit, std::vector<StoredKeypair>& out) = 0;

  virtual StoreStatus count(const std::string& user_id, std::int64_t& out) = 0;

  // Inserts atomically: quota_exceeded when the user already holds `quota` or more keypairs
  // (quota < 0 means unlimited), else duplicate when the name is taken, else ok. Once this
  // returns ok the row is durable.
  virtual CreateOutcome create(const StoredKeypair& keypair, std::int64_t quota) = 0;

  // Deletes one keypair; not_found when absent. Once this returns ok the deletion is durable.
  virtual StoreStatus remove(const std::string& user_id, const std::string& name) = 0;

  // The same writes, reporting through a callback. A store that queues its writes (SQLite's
  // group commit, Threading::inline_reads_queued_writes) returns at once and calls `done` from
  // its own thread once the write is durable or has failed; `done` must then be quick (hand the
  // result on, nothing more). The defaults do the synchronous write and call `done` at once.
  using CreateDone = std::function<void(CreateOutcome)>;
  using RemoveDone = std::function<void(StoreStatus)>;
  virtual void create_async(const StoredKeypair& keypair, std::int64_t quota, CreateDone done) {
    done(create(keypair, quota));
  }
  virtual void remove_async(const std::string& user_id, const std::string& name, RemoveDone done) {
    done(remove(user_id, name));
  }

  // The operations below serve /healthcheck and keypaird-manage. Every store implements the
  // backup ones (scan, count_all, restore): keypaird-manage works on every backend.

  // A cheap probe for /healthcheck: true when the store can serve requests now.
  virtual bool healthy() {
    std::int64_t ignored = 0;
    return count("", ignored) == StoreStatus::ok;
  }

  // Empty while writes succeed; otherwise why the last write failed (e.g. "database or disk is
  // full"), for /healthcheck. A store that knows its writes fail probes, now and then, whether
  // they work again, so the answer recovers without a client's write.
  virtual std::string write_problem() { return {}; }

  // Every keypair of every user in id order, starting strictly after `after_id`, at most
  // `limit` of them (for backups).
  virtual StoreStatus scan(std::int64_t after_id, std::int64_t limit,
                           std::vector<StoredKeypair>& out) = 0;

  // How many keypairs all users hold together.
  virtual StoreStatus count_all(std::int64_t& out) = 0;

  // Inserts whole rows as given (id, created_at, fingerprint, type: nothing is recomputed), in one
  // durable transaction, for restoring a backup or importing from Nova. An id of 0 means "assign
  // a new one". No quota applies. `outcomes` gets one status per row: ok, or duplicate when the
  // (user_id, name) or the id is already taken (that row is skipped, the others still go in).
  // Returns unavailable, with nothing written, when the database failed.
  virtual StoreStatus restore(const std::vector<StoredKeypair>& rows,
                              std::vector<StoreStatus>& outcomes) = 0;
};

// "YYYY-MM-DDThh:mm:ss.ffffff" for now, in UTC, as Nova shows created_at.
std::string current_timestamp();

}  // namespace keypaird::store
