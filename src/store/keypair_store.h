// The storage interfaces for keypairs: KeypairStore (what serving needs: get, list a page,
// count, an atomic create, remove) and KeypairBackup (what keypaird-manage needs). Databases:
// SqliteKeypairStore (embedded default), PostgresKeypairStore (several nodes on one database),
// MemoryKeypairStore (tests); InstrumentedKeypairStore adds metrics around a KeypairStore. All
// methods are safe to call from many threads at once. How a store wants to be called (threading())
// is read in one place only: keypairs::AsyncKeypairStore, which decides on which thread each call
// runs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

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

// The store's errors, as Status values of four kinds; the service words what users see.
inline Status not_found() { return Status::not_found("no such keypair"); }
inline Status name_taken() {
  return Status::conflict("the user already has a keypair of that name");
}
inline Status quota_full() { return Status::quota_exceeded("the user holds the quota's keypairs"); }
inline Status unavailable() { return Status::unavailable("the keypair store is unavailable"); }

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
  virtual Result<StoredKeypair> get(const std::string& user_id, const std::string& name) = 0;

  // The user's keypairs in byte order of name, starting strictly after `after_name` when given,
  // at most `limit` of them when given.
  virtual Result<std::vector<StoredKeypair>> list(const std::string& user_id,
                                                  const std::optional<std::string>& after_name,
                                                  std::optional<std::int64_t> limit) = 0;

  virtual Result<std::int64_t> count(const std::string& user_id) = 0;

  // Inserts atomically: quota_exceeded when the user already holds `quota` or more keypairs
  // (quota < 0 means unlimited), else conflict when the name is taken, else the stored row (id
  // and created_at filled in). Once this returns the row, it is durable.
  virtual Result<StoredKeypair> create(const StoredKeypair& keypair, std::int64_t quota) = 0;

  // Deletes one keypair; not_found when absent. Once this returns ok the deletion is durable.
  virtual Status remove(const std::string& user_id, const std::string& name) = 0;

  // The same writes, reporting through a callback. A store that queues its writes (SQLite's
  // group commit, Threading::inline_reads_queued_writes) returns at once and calls `done` from
  // its own thread once the write is durable or has failed; `done` must then be quick (hand the
  // result on, nothing more). The defaults do the synchronous write and call `done` at once.
  using CreateDone = std::function<void(Result<StoredKeypair>)>;
  using RemoveDone = std::function<void(Status)>;
  virtual void create_async(const StoredKeypair& keypair, std::int64_t quota, CreateDone done) {
    done(create(keypair, quota));
  }
  virtual void remove_async(const std::string& user_id, const std::string& name, RemoveDone done) {
    done(remove(user_id, name));
  }

  // A cheap probe for /healthcheck: true when the store can serve requests now.
  virtual bool healthy() { return count("").is_ok(); }

  // ok while writes succeed; otherwise unavailable saying why the last write failed (e.g.
  // "database or disk is full"), for /healthcheck. A store that knows its writes fail probes,
  // now and then, whether they work again, so the answer recovers without a client's write.
  virtual Status write_status() { return Status::ok(); }
};

// What keypaird-manage needs beyond serving: backups and restores. A second interface, so that
// the serving path sees only the small one above; every database implements both (see
// KeypairDatabase), so one that lacks these does not compile.
class KeypairBackup {
 public:
  virtual ~KeypairBackup() = default;

  // Every keypair of every user in id order, starting strictly after `after_id`, at most
  // `limit` of them.
  virtual Result<std::vector<StoredKeypair>> scan(std::int64_t after_id, std::int64_t limit) = 0;

  // How many keypairs all users hold together.
  virtual Result<std::int64_t> count_all() = 0;

  // Inserts whole rows as given (id, created_at, fingerprint, type: nothing is recomputed), in one
  // durable transaction, for restoring a backup or importing from Nova. An id of 0 means "assign
  // a new one". No quota applies. One Status per row: ok, or conflict when the (user_id, name)
  // or the id is already taken (that row is skipped, the others still go in). unavailable, with
  // nothing written, when the database failed.
  virtual Result<std::vector<Status>> restore(const std::vector<StoredKeypair>& rows) = 0;
};

// A store that keeps the data itself (SQLite, PostgreSQL, memory): it serves and it backs up.
class KeypairDatabase : public KeypairStore, public KeypairBackup {};

// "YYYY-MM-DDThh:mm:ss.ffffff" for now, in UTC, as Nova shows created_at.
std::string current_timestamp();

}  // namespace keypaird::store
