// PostgresKeypairStore: libpq connections with deadlines, the pool, the schema migration and the
// keypair statements.
#include "store/postgres_keypair_store.h"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <stdexcept>

#include "store/database_url.h"

namespace keypaird::store {

namespace {

using Clock = std::chrono::steady_clock;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// Any two-int key space of our own: advisory locks of other applications on the same database
// use other numbers (or the one-bigint form) and never collide with ours.
constexpr int kLockSpace = 0x6b70;                    // "kp"
constexpr const char* kMigrationLockKey = "7041024";  // 0x6b7000; one-bigint form, migrations

// PostgreSQL text cannot hold a NUL byte, but user ids and public keys are whatever the client
// sent (SQLite and Nova keep them verbatim). Such values are stored escaped: U+FFFE (a Unicode
// noncharacter, which no printable name can contain, so name order is unchanged) marks an
// escape, U+FFFE U+FFFE stands for itself and U+FFFE '0' for NUL. Values without either are
// stored as they are.
constexpr std::string_view kEscape = "\xEF\xBF\xBE";

std::string to_column(const std::string& value) {
  if (value.find('\0') == std::string::npos && value.find(kEscape) == std::string::npos)
    return value;
  std::string out;
  out.reserve(value.size() + 8);
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\0') {
      out += kEscape;
      out += '0';
    } else if (value.compare(i, kEscape.size(), kEscape) == 0) {
      out += kEscape;
      out += kEscape;
      i += kEscape.size() - 1;
    } else {
      out += value[i];
    }
  }
  return out;
}

std::string from_column(std::string value) {
  if (value.find(kEscape) == std::string::npos) return value;
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value.compare(i, kEscape.size(), kEscape) == 0) {
      std::size_t next = i + kEscape.size();
      if (next < value.size() && value[next] == '0') {
        out += '\0';
        i = next;
        continue;
      }
      if (value.compare(next, kEscape.size(), kEscape) == 0) {
        out += kEscape;
        i = next + kEscape.size() - 1;
        continue;
      }
    }
    out += value[i];
  }
  return out;
}

constexpr const char* kColumns =
    "id, user_id, name, fingerprint, public_key, type,"
    " to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US')";

struct Prepared {
  const char* name;
  std::string sql;
  int params;
};

const std::vector<Prepared>& prepared_statements() {
  static const std::vector<Prepared> statements = {
      {"get",
       std::string("SELECT ") + kColumns + " FROM key_pairs WHERE user_id = $1 AND name = $2", 2},
      // LIMIT NULL means no limit.
      {"list_after",
       std::string("SELECT ") + kColumns +
           " FROM key_pairs WHERE user_id = $1 AND name > $2 ORDER BY name LIMIT $3::bigint",
       3},
      {"list_all",
       std::string("SELECT ") + kColumns +
           " FROM key_pairs WHERE user_id = $1 ORDER BY name LIMIT $2::bigint",
       2},
      {"count", "SELECT count(*) FROM key_pairs WHERE user_id = $1", 1},
      {"lock_user",
       "SELECT pg_advisory_xact_lock(" + std::to_string(kLockSpace) + ", hashtext($1))", 1},
      {"insert",
       "INSERT INTO key_pairs (user_id, name, fingerprint, public_key, type, created_at)"
       " VALUES ($1, $2, $3, $4, $5, $6::timestamp)"
       " ON CONFLICT (user_id, name) DO NOTHING RETURNING id",
       6},
      {"delete", "DELETE FROM key_pairs WHERE user_id = $1 AND name = $2", 2},
      // For keypaird-manage: backups (scan, count_all) and restores (rows inserted as given).
      {"scan",
       std::string("SELECT ") + kColumns +
           " FROM key_pairs WHERE id > $1::bigint ORDER BY id LIMIT $2::bigint",
       2},
      {"count_all", "SELECT count(*) FROM key_pairs", 0},
      {"restore_with_id",
       "INSERT INTO key_pairs (id, user_id, name, fingerprint, public_key, type, created_at)"
       " VALUES ($1::bigint, $2, $3, $4, $5, $6, $7::timestamp)"
       " ON CONFLICT DO NOTHING RETURNING id",
       7},
      {"restore_new_id",
       "INSERT INTO key_pairs (user_id, name, fingerprint, public_key, type, created_at)"
       " VALUES ($1, $2, $3, $4, $5, $6::timestamp)"
       " ON CONFLICT DO NOTHING RETURNING id",
       6},
      // After rows with given ids: new ids continue above every id ever used (never reused).
      {"advance_ids",
       "SELECT setval(pg_get_serial_sequence('key_pairs', 'id'),"
       " GREATEST((SELECT COALESCE(max(id), 1) FROM key_pairs),"
       " (SELECT last_value FROM key_pairs_id_seq)))",
       0},
  };
  return statements;
}

// ok for a result, else its error.
Status status_of(const Result<PgResult>& r) { return r.is_ok() ? Status::ok() : r.status(); }

// libpq's messages span lines ("...\n\tThis probably means..."); logs want one.
std::string one_line(const char* text) {
  std::string out;
  for (const char* p = text; *p; ++p) {
    bool space = *p == '\n' || *p == '\t' || *p == ' ';
    if (!space) {
      out += *p;
    } else if (!out.empty() && out.back() != ' ') {
      out += ' ';
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::int64_t to_int(const char* text) {
  std::int64_t value = 0;
  std::string_view s(text);
  std::from_chars(s.data(), s.data() + s.size(), value);
  return value;
}

void read_row(const PGresult* r, int row, StoredKeypair& k) {
  auto text = [&](int column) {
    return std::string(PQgetvalue(r, row, column),
                       static_cast<std::size_t>(PQgetlength(r, row, column)));
  };
  k.id = to_int(PQgetvalue(r, row, 0));
  k.user_id = from_column(text(1));
  k.name = from_column(text(2));
  k.fingerprint = text(3);
  k.public_key = from_column(text(4));
  k.type = text(5);
  k.created_at = text(6);
}

// Every row of a result, in order.
std::vector<StoredKeypair> read_rows(const PGresult* r) {
  std::vector<StoredKeypair> rows(static_cast<std::size_t>(PQntuples(r)));
  for (std::size_t i = 0; i < rows.size(); ++i) read_row(r, static_cast<int>(i), rows[i]);
  return rows;
}

}  // namespace

// One libpq connection. Every round trip waits at most until the caller's deadline; a
// connection that timed out or lost its server is marked broken and never reused.
class PostgresConnection {
 public:
  ~PostgresConnection() {
    if (conn_) PQfinish(conn_);
  }

  // Connects (non-blocking, so the deadline holds), sets the session's server-side timeouts and
  // optionally prepares the keypair statements. An unavailable Status saying why on failure.
  static Result<std::unique_ptr<PostgresConnection>> open(
      const std::string& url, std::chrono::milliseconds statement_timeout, bool prepare,
      Clock::time_point deadline) {
    // The URL comes last so that parameters it carries override our defaults.
    const char* keywords[] = {"client_encoding", "application_name", "dbname", nullptr};
    const char* values[] = {"UTF8", "keypaird", url.c_str(), nullptr};
    std::unique_ptr<PostgresConnection> c(new PostgresConnection);
    c->conn_ = PQconnectStartParams(keywords, values, 1);
    if (!c->conn_) {
      return Status::unavailable("out of memory");
    }
    if (PQstatus(c->conn_) == CONNECTION_BAD) {
      return Status::unavailable(c->error_message());
    }
    PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
    while (polling != PGRES_POLLING_OK) {
      if (polling == PGRES_POLLING_FAILED) {
        return Status::unavailable(c->error_message());
      }
      if (!c->wait(polling == PGRES_POLLING_WRITING ? POLLOUT : POLLIN, deadline)) {
        return Status::unavailable("timed out connecting");
      }
      polling = PQconnectPoll(c->conn_);
    }
    std::string ms = std::to_string(statement_timeout.count());
    // Notices (e.g. "relation already exists, skipping") are not worth a log line.
    PQsetNoticeProcessor(
        c->conn_, [](void*, const char*) {}, nullptr);
    std::string setup = "SET client_min_messages = warning; SET statement_timeout = " + ms +
                        "; SET lock_timeout = " + ms +
                        "; SET idle_in_transaction_session_timeout = " + ms;
    if (Status set = c->command(setup.c_str(), deadline); !set) return set;
    if (prepare) {
      for (const auto& p : prepared_statements()) {
        Status prepared = PQsendPrepare(c->conn_, p.name, p.sql.c_str(), p.params, nullptr)
                              ? status_of(c->finish(deadline, PGRES_COMMAND_OK))
                              : c->send_failed();
        if (!prepared)
          return Status::unavailable("cannot prepare " + std::string(p.name) + ": " +
                                     prepared.message());
      }
    }
    c->successes_ = 0;
    return c;
  }

  // Every call below that talks to the server answers unavailable with libpq's or the
  // server's message (on one line) when it fails; a connection left in an unknown state is
  // marked broken.

  // A simple-protocol command (or several separated by ';') that returns no rows.
  Status command(const char* sql, Clock::time_point deadline) {
    return status_of(query(sql, deadline, PGRES_COMMAND_OK));
  }

  // A simple-protocol query without parameters; the result when its status is `expected`.
  Result<PgResult> query(const char* sql, Clock::time_point deadline,
                         ExecStatusType expected = PGRES_TUPLES_OK) {
    if (!PQsendQuery(conn_, sql)) return send_failed();
    return finish(deadline, expected);
  }

  // Runs a prepared statement; the result when it succeeded with `expected`.
  Result<PgResult> run(const char* statement, const std::vector<const char*>& params,
                       Clock::time_point deadline, ExecStatusType expected = PGRES_TUPLES_OK) {
    if (!PQsendQueryPrepared(conn_, statement, static_cast<int>(params.size()), params.data(),
                             nullptr, nullptr, 0))
      return send_failed();
    return finish(deadline, expected);
  }

  // COMMIT; ok only when it really committed (an aborted transaction answers ROLLBACK).
  Status commit(Clock::time_point deadline) {
    auto r = query("COMMIT", deadline, PGRES_COMMAND_OK);
    if (!r) return r.status();
    if (std::string_view(PQcmdStatus(r->get())) != "COMMIT")
      return Status::unavailable("the transaction was rolled back instead of committed");
    return Status::ok();
  }

  // Sends ROLLBACK after a failed statement inside a transaction (best effort: a connection
  // that cannot do it is dropped).
  void rollback(Clock::time_point deadline) {
    if (!broken_ && !command("ROLLBACK", deadline)) broken_ = true;
  }

  bool broken() const { return broken_; }
  // Successful round trips since the connection was last handed out.
  int successes() const { return successes_; }
  void handed_out() { successes_ = 0; }

  // An idle connection whose server went away has something to read (a termination notice or
  // end of file); checks that without waiting.
  bool looks_alive() {
    pollfd p{PQsocket(conn_), POLLIN, 0};
    int ready = ::poll(&p, 1, 0);
    if (ready == 0) return true;
    if (ready < 0 || !PQconsumeInput(conn_) || PQstatus(conn_) != CONNECTION_OK) return false;
    // A notice or notification is harmless; anything else unsolicited is not.
    return !PQisBusy(conn_);
  }

 private:
  PostgresConnection() = default;

  std::string error_message() const {
    return conn_ ? one_line(PQerrorMessage(conn_)) : "no connection";
  }

  // After a send (or a read) that libpq refused: the connection is not reused.
  Status send_failed() {
    broken_ = true;
    return Status::unavailable(error_message());
  }

  // Waits until the socket is ready for `events` or the deadline passes.
  bool wait(short events, Clock::time_point deadline) {
    if (PQsocket(conn_) < 0) return false;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{PQsocket(conn_), events, 0};
      int ready = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000000)));
      if (ready > 0) return true;
      if (ready < 0 && errno != EINTR) return false;
    }
  }

  // Collects every result of what was sent; the last one must have status `expected`. The
  // first result with another status is the error.
  Result<PgResult> finish(Clock::time_point deadline, ExecStatusType expected) {
    PgResult last;
    Status failure;
    for (;;) {
      while (PQisBusy(conn_)) {
        if (!wait(POLLIN, deadline)) {
          // Mid-query: the protocol state is unknown, so the connection cannot be reused. The
          // server's own statement_timeout ends the query if the server is merely slow.
          broken_ = true;
          return Status::unavailable("timed out waiting for the database");
        }
        if (!PQconsumeInput(conn_)) return send_failed();
      }
      PGresult* r = PQgetResult(conn_);
      if (!r) break;
      if (PQresultStatus(r) != expected && failure.is_ok()) {
        const char* message = PQresultErrorMessage(r);
        failure = Status::unavailable(
            one_line(message && *message ? message : PQresStatus(PQresultStatus(r))));
      }
      last.reset(r);
    }
    if (PQstatus(conn_) != CONNECTION_OK) {
      broken_ = true;
      return failure.is_ok() ? Status::unavailable(error_message()) : failure;
    }
    if (!failure.is_ok()) return failure;
    if (!last) return Status::unavailable("the database sent no result");
    ++successes_;
    return last;
  }

  PGconn* conn_ = nullptr;
  bool broken_ = false;
  int successes_ = 0;
};

namespace {

// Creates or upgrades the schema, in one transaction. unavailable saying why when that fails;
// internal when the database holds a schema newer than this build's.
Status migrate(PostgresConnection& c, Clock::time_point deadline) {
  auto fail = [](const Status& why) {
    return Status::unavailable("schema migration failed: " + why.message());
  };
  if (Status begun = c.command("BEGIN", deadline); !begun) return fail(begun);
  // Nodes starting together queue here; the first creates the tables, the others find them.
  if (auto locked =
          c.query((std::string("SELECT pg_advisory_xact_lock(") + kMigrationLockKey + ")").c_str(),
                  deadline);
      !locked)
    return fail(locked.status());
  if (Status created =
          c.command("CREATE TABLE IF NOT EXISTS keypaird_schema_version (version integer NOT NULL)",
                    deadline);
      !created)
    return fail(created);
  auto r = c.query("SELECT coalesce(max(version), 0) FROM keypaird_schema_version", deadline);
  if (!r) return fail(r.status());
  std::int64_t version = to_int(PQgetvalue(r->get(), 0, 0));
  if (version > PostgresKeypairStore::kSchemaVersion) {
    c.rollback(deadline);
    return Status::internal("database schema version " + std::to_string(version) +
                            " is newer than this keypaird understands (" +
                            std::to_string(PostgresKeypairStore::kSchemaVersion) + ")");
  }
  if (version < 1) {
    // COLLATE "C": names compare byte by byte whatever the database's collation, so lists come
    // out in the same order as from SQLite, and the unique index serves ordered scans.
    Status created = c.command(
        "CREATE TABLE key_pairs ("
        " id bigserial PRIMARY KEY,"
        " user_id text COLLATE \"C\" NOT NULL,"
        " name text COLLATE \"C\" NOT NULL,"
        " fingerprint text,"
        " public_key text,"
        " type text NOT NULL DEFAULT 'ssh' CHECK (type IN ('ssh', 'x509')),"
        " created_at timestamp(6) without time zone NOT NULL,"
        " updated_at timestamp(6) without time zone,"
        " CONSTRAINT key_pairs_user_id_name_key UNIQUE (user_id, name))",
        deadline);
    if (created)
      created = c.command("INSERT INTO keypaird_schema_version (version) VALUES (1)", deadline);
    if (!created) return fail(created);
  }
  if (Status committed = c.commit(deadline); !committed) return fail(committed);
  return Status::ok();
}

}  // namespace

PostgresKeypairStore::PostgresKeypairStore(PostgresOptions options) : options_(std::move(options)) {
  if (options_.pool_size == 0) options_.pool_size = 1;
  auto deadline = Clock::now() + options_.migration_timeout;
  auto c = PostgresConnection::open(options_.url, options_.migration_timeout, false, deadline);
  if (!c.is_ok())
    throw std::runtime_error("cannot connect to " + redact_database_url(options_.url) + ": " +
                             c.status().message());
  if (Status migrated = migrate(**c, deadline); !migrated)
    throw std::runtime_error(migrated.message());
}

PostgresKeypairStore::~PostgresKeypairStore() = default;

std::unique_ptr<PostgresConnection> PostgresKeypairStore::acquire(Clock::time_point deadline,
                                                                  bool& reused) {
  // After a failed connect, callers fail at once for a moment instead of each waiting out its
  // own connect against a server that is down.
  constexpr auto kRetryConnectAfter = std::chrono::milliseconds(200);
  {
    MutexLock lock(pool_mutex_);
    for (;;) {
      if (Clock::now() >= deadline) return nullptr;
      while (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        if (c->looks_alive()) {
          reused = true;
          c->handed_out();
          return c;
        }
        --open_;  // its server went away; the destructor closes it
      }
      if (open_ < options_.pool_size) {
        if (Clock::now() - connect_failed_at_ < kRetryConnectAfter) return nullptr;
        ++open_;
        break;  // a free slot, taken: connect outside the lock
      }
      // Every connection is busy. While the database is failing they are most likely stuck
      // until their own deadlines: answer now rather than queue behind them, so that a burst of
      // requests against a dead database cannot hold every thread for a timeout each.
      if (database_down_) return nullptr;
      (void)pool_changed_.wait_until(pool_mutex_, deadline);
    }
  }
  auto c = PostgresConnection::open(options_.url, options_.timeout, true, deadline);
  MutexLock lock(pool_mutex_);
  if (c.is_ok()) {
    if (database_down_) spdlog::info("database: connected again");
    database_down_ = false;
    reused = false;
    return std::move(c).value();
  }
  warn("cannot connect: " + c.status().message());
  database_down_ = true;
  --open_;
  connect_failed_at_ = Clock::now();
  pool_changed_.notify_one();
  return nullptr;
}

void PostgresKeypairStore::release(std::unique_ptr<PostgresConnection> connection) {
  {
    MutexLock lock(pool_mutex_);
    if (connection->broken()) {
      --open_;
      database_down_ = true;
    } else {
      if (connection->successes() > 0) database_down_ = false;
      idle_.push_back(std::move(connection));
    }
  }
  pool_changed_.notify_one();
  // A broken connection is closed here, outside the lock.
}

Status PostgresKeypairStore::with_connection(
    Clock::time_point deadline, const std::function<Status(PostgresConnection&)>& work) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = false;
    auto c = acquire(deadline, reused);
    if (!c) return unavailable();
    Status status = work(*c);
    bool failed = status.is(ErrorKind::unavailable);
    if (failed) warn(status.message());
    bool retry = c->broken() && reused && c->successes() == 0 && failed;
    release(std::move(c));
    // Callers hear the store's one unavailable message; the database's reason went to the log.
    if (!retry) return failed ? unavailable() : status;
  }
  return unavailable();
}

void PostgresKeypairStore::warn(const std::string& error) {
  // At most one line a second: a database outage under load would otherwise flood the log.
  auto now = Clock::now().time_since_epoch().count();
  auto last = last_warning_.load();
  if (now - last < std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(1)).count())
    return;
  if (last_warning_.compare_exchange_strong(last, now)) spdlog::warn("database: {}", error);
}

keypaird::Result<StoredKeypair> PostgresKeypairStore::get(const std::string& user_id,
                                                          const std::string& name) {
  auto deadline = Clock::now() + options_.timeout;
  const std::string user_column = to_column(user_id), name_column = to_column(name);
  StoredKeypair out;
  Status status = with_connection(deadline, [&](PostgresConnection& c) -> Status {
    auto r = c.run("get", {user_column.c_str(), name_column.c_str()}, deadline);
    if (!r) return r.status();
    if (PQntuples(r->get()) == 0) return not_found();
    read_row(r->get(), 0, out);
    return Status::ok();
  });
  if (!status) return status;
  return out;
}

keypaird::Result<std::vector<StoredKeypair>> PostgresKeypairStore::list(
    const std::string& user_id, const std::optional<std::string>& after_name,
    std::optional<std::int64_t> limit) {
  std::vector<StoredKeypair> out;
  auto deadline = Clock::now() + options_.timeout;
  const std::string user_column = to_column(user_id);
  const std::string after_column = after_name ? to_column(*after_name) : std::string();
  std::string limit_text = limit ? std::to_string(*limit) : "";
  const char* limit_param = limit ? limit_text.c_str() : nullptr;  // NULL: no limit
  Status status = with_connection(deadline, [&](PostgresConnection& c) -> Status {
    auto r = after_name ? c.run("list_after",
                                {user_column.c_str(), after_column.c_str(), limit_param}, deadline)
                        : c.run("list_all", {user_column.c_str(), limit_param}, deadline);
    if (!r) return r.status();
    out = read_rows(r->get());
    return Status::ok();
  });
  if (!status) return status;
  return out;
}

keypaird::Result<std::int64_t> PostgresKeypairStore::count(const std::string& user_id) {
  auto deadline = Clock::now() + options_.timeout;
  const std::string user_column = to_column(user_id);
  std::int64_t out = 0;
  Status status = with_connection(deadline, [&](PostgresConnection& c) -> Status {
    auto r = c.run("count", {user_column.c_str()}, deadline);
    if (!r) return r.status();
    out = to_int(PQgetvalue(r->get(), 0, 0));
    return Status::ok();
  });
  if (!status) return status;
  return out;
}

keypaird::Result<StoredKeypair> PostgresKeypairStore::create(const StoredKeypair& keypair,
                                                             std::int64_t quota) {
  StoredKeypair stored;
  const StoredKeypair& k = keypair;
  const std::string user_column = to_column(k.user_id), name_column = to_column(k.name),
                    key_column = to_column(k.public_key);
  auto deadline = Clock::now() + options_.timeout;
  Status status = with_connection(deadline, [&](PostgresConnection& c) -> Status {
    if (Status begun = c.command("BEGIN", deadline); !begun) return begun;
    auto abort = [&](const Status& why) {
      c.rollback(deadline);
      return why;
    };
    // One creator per user at a time across all nodes, so the count below stays true until
    // this transaction commits: the quota can never be overshot.
    if (auto locked = c.run("lock_user", {user_column.c_str()}, deadline); !locked)
      return abort(locked.status());
    auto counted = c.run("count", {user_column.c_str()}, deadline);
    if (!counted) return abort(counted.status());
    if (quota >= 0 && to_int(PQgetvalue(counted->get(), 0, 0)) >= quota) {
      c.rollback(deadline);
      return quota_full();
    }
    std::string created_at = current_timestamp();
    auto inserted = c.run("insert",
                          {user_column.c_str(), name_column.c_str(), k.fingerprint.c_str(),
                           key_column.c_str(), k.type.c_str(), created_at.c_str()},
                          deadline);
    if (!inserted) return abort(inserted.status());
    if (PQntuples(inserted->get()) == 0) {
      c.rollback(deadline);
      return name_taken();
    }
    std::int64_t id = to_int(PQgetvalue(inserted->get(), 0, 0));
    // If COMMIT's answer is lost the row may or may not exist; the caller hears unavailable.
    if (Status committed = c.commit(deadline); !committed) return committed;
    stored = k;
    stored.id = id;
    stored.created_at = std::move(created_at);
    return Status::ok();
  });
  if (!status) return status;
  return stored;
}

Status PostgresKeypairStore::remove(const std::string& user_id, const std::string& name) {
  auto deadline = Clock::now() + options_.timeout;
  const std::string user_column = to_column(user_id), name_column = to_column(name);
  return with_connection(deadline, [&](PostgresConnection& c) -> Status {
    // In a transaction of its own so that a connection found dead at BEGIN is safe to retry.
    if (Status begun = c.command("BEGIN", deadline); !begun) return begun;
    auto r =
        c.run("delete", {user_column.c_str(), name_column.c_str()}, deadline, PGRES_COMMAND_OK);
    if (!r) {
      c.rollback(deadline);
      return r.status();
    }
    bool deleted = to_int(PQcmdTuples(r->get())) > 0;
    if (Status committed = c.commit(deadline); !committed) return committed;
    return deleted ? Status::ok() : not_found();
  });
}

keypaird::Result<std::vector<StoredKeypair>> PostgresKeypairStore::scan(std::int64_t after_id,
                                                                        std::int64_t limit) {
  auto deadline = Clock::now() + options_.timeout;
  const std::string after = std::to_string(after_id), count = std::to_string(limit);
  std::vector<StoredKeypair> out;
  Status status = with_connection(deadline, [&](PostgresConnection& c) -> Status {
    auto r = c.run("scan", {after.c_str(), count.c_str()}, deadline);
    if (!r) return r.status();
    out = read_rows(r->get());
    return Status::ok();
  });
  if (!status) return status;
  return out;
}

keypaird::Result<std::int64_t> PostgresKeypairStore::count_all() {
  auto deadline = Clock::now() + options_.timeout;
  std::int64_t out = 0;
  Status status = with_connection(deadline, [&](PostgresConnection& c) -> Status {
    auto r = c.run("count_all", {}, deadline);
    if (!r) return r.status();
    out = to_int(PQgetvalue(r->get(), 0, 0));
    return Status::ok();
  });
  if (!status) return status;
  return out;
}

keypaird::Result<std::vector<Status>> PostgresKeypairStore::restore(
    const std::vector<StoredKeypair>& rows) {
  // Restores are bulk work: a longer budget than one request's.
  auto deadline = Clock::now() + options_.timeout * 10;
  std::vector<bool> inserted(rows.size(), false);
  Status status = with_connection(deadline, [&](PostgresConnection& c) -> Status {
    inserted.assign(rows.size(), false);
    if (Status begun = c.command("BEGIN", deadline); !begun) return begun;
    auto abort = [&](const Status& why) {
      c.rollback(deadline);
      return why;
    };
    // Rows with their own id first, then the sequence moved past them, then rows that get a
    // new id: so a new id never collides with one restored in the same batch.
    for (int pass = 0; pass < 2; ++pass) {
      bool with_id = pass == 0;
      if (!with_id) {
        if (auto advanced = c.run("advance_ids", {}, deadline); !advanced)
          return abort(advanced.status());
      }
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const StoredKeypair& k = rows[i];
        if ((k.id > 0) != with_id) continue;
        const std::string id = std::to_string(k.id), user = to_column(k.user_id),
                          name = to_column(k.name), key = to_column(k.public_key);
        auto r = with_id ? c.run("restore_with_id",
                                 {id.c_str(), user.c_str(), name.c_str(), k.fingerprint.c_str(),
                                  key.c_str(), k.type.c_str(), k.created_at.c_str()},
                                 deadline)
                         : c.run("restore_new_id",
                                 {user.c_str(), name.c_str(), k.fingerprint.c_str(), key.c_str(),
                                  k.type.c_str(), k.created_at.c_str()},
                                 deadline);
        if (!r) return abort(r.status());
        inserted[i] = PQntuples(r->get()) > 0;
      }
    }
    if (auto advanced = c.run("advance_ids", {}, deadline); !advanced)
      return abort(advanced.status());
    if (Status committed = c.commit(deadline); !committed) return committed;
    return Status::ok();
  });
  if (!status) return status;
  std::vector<Status> outcomes;
  outcomes.reserve(rows.size());
  for (bool done : inserted) outcomes.push_back(done ? Status::ok() : name_taken());
  return outcomes;
}

}  // namespace keypaird::store
