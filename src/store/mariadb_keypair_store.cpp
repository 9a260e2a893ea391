// MariadbKeypairStore: the connection URL, Connector/C connections with prepared statements,
// the pool, the schema migration and the keypair statements.
#include "store/mariadb_keypair_store.h"

#include <mysql.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "common/text.h"
#include "store/database_url.h"

namespace keypaird::store {

namespace {

using Clock = std::chrono::steady_clock;

// Server error numbers (mysqld_error.h) the store reacts to.
constexpr unsigned kDuplicateEntry = 1062;   // ER_DUP_ENTRY: the unique key or the id is taken
constexpr unsigned kLockWaitTimeout = 1205;  // ER_LOCK_WAIT_TIMEOUT: the statement was undone
constexpr unsigned kDeadlock = 1213;         // ER_LOCK_DEADLOCK (Galera: certification failed)
// A value the column cannot hold (Nova's utf8mb3 VARCHAR(255)): the statement did nothing.
constexpr unsigned kBadString = 1366;  // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD (e.g. 4-byte UTF-8)
constexpr unsigned kTooLong = 1406;    // ER_DATA_TOO_LONG
constexpr int kLockRetries = 4;        // further attempts after a deadlock or lock wait

std::string scheme_of(const std::string& url) {
  auto end = url.find("://");
  if (end == std::string::npos) return "";
  std::string scheme = ascii_lower(url.substr(0, end));
  auto plus = scheme.find('+');
  if (plus != std::string::npos) scheme.resize(plus);
  return scheme;
}

}  // namespace

bool is_mariadb_url(const std::string& url) {
  std::string scheme = scheme_of(url);
  return scheme == "mysql" || scheme == "mariadb";
}

Result<MariadbEndpoint> parse_mariadb_url(const std::string& url) {
  if (!is_mariadb_url(url))
    return Status::invalid_input("not a mysql:// or mariadb:// connection URL");
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return Status::invalid_input("malformed MariaDB connection URL");
  const boost::urls::url_view& u = *parsed;
  MariadbEndpoint e;
  if (u.has_userinfo()) {
    e.user = u.user();
    e.password = u.password();
  }
  e.host = u.host_address();
  if (u.has_port()) {
    if (u.port().empty() || u.port_number() == 0)
      return Status::invalid_input("bad port in the MariaDB connection URL");
    e.port = u.port_number();
  }
  std::string path = u.path();
  if (!path.empty() && path.front() == '/') path.erase(0, 1);
  if (path.empty() || path.find('/') != std::string::npos)
    return Status::invalid_input("the MariaDB connection URL names no database (.../dbname)");
  e.database = path;
  for (auto param : u.params()) {
    const std::string key = param.key, value = param.has_value ? param.value : "";
    auto flag = [&] { return value == "1" || ascii_lower(value) == "true"; };
    if (key == "unix_socket") {
      e.unix_socket = value;
    } else if (key == "charset") {
      // Connections always use utf8mb4 (nova.conf's "utf8" is MySQL's three-byte subset).
    } else if (key == "ssl_ca") {
      e.ssl_ca = value;
    } else if (key == "ssl_capath") {
      e.ssl_capath = value;
    } else if (key == "ssl_cert") {
      e.ssl_cert = value;
    } else if (key == "ssl_key") {
      e.ssl_key = value;
    } else if (key == "ssl_cipher") {
      e.ssl_cipher = value;
    } else if (key == "ssl_crl") {
      e.ssl_crl = value;
    } else if (key == "ssl_verify_cert" || key == "ssl_check_hostname") {
      e.ssl_verify_cert = e.ssl_verify_cert || flag();
    } else if (key == "ssl") {
      e.ssl = e.ssl || flag();
    } else {
      e.ignored.push_back(key);
    }
    if (key.rfind("ssl", 0) == 0 && key != "ssl") e.ssl = true;
  }
  return e;
}

namespace {

const char* or_null(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

std::int64_t to_int(const std::string& text) {
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// One statement parameter: bytes (user input, sent as binary so no character set applies),
// text (our own ASCII, e.g. a timestamp), or an integer.
struct Param {
  enum class Kind { bytes, text, integer } kind;
  std::string_view data;
  long long number = 0;
};
Param bytes(std::string_view s) { return {Param::Kind::bytes, s, 0}; }
Param text(std::string_view s) { return {Param::Kind::text, s, 0}; }
Param integer(long long n) { return {Param::Kind::integer, {}, n}; }

using Row = std::vector<std::string>;  // every column as its bytes (NULL reads as "")

// The prepared statements, by index.
enum Statement : std::size_t {
  kGet,
  kListAfter,
  kListAll,
  kCount,
  kLockUser,
  kInsert,
  kDelete,
  kScan,
  kCountAll,
  kRestoreWithId,
  kRestoreNewId,
  kDeleteId,
  kStatementCount
};

constexpr const char* kColumns =
    "id, user_id, name, fingerprint, public_key, type,"
    " DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%s.%f')";

// keypaird's own schema, or Nova's (nova = true). An empty text is not prepared in that schema:
// Nova's has no keypaird_users to lock, keypaird's never deletes a row by id.
const std::array<std::string, kStatementCount>& statement_texts(bool nova) {
  static const std::array<std::string, kStatementCount> own = {
      std::string("SELECT ") + kColumns + " FROM key_pairs WHERE user_id = ? AND name = ?",
      std::string("SELECT ") + kColumns +
          " FROM key_pairs WHERE user_id = ? AND name > ? ORDER BY name LIMIT ?",
      std::string("SELECT ") + kColumns + " FROM key_pairs WHERE user_id = ? ORDER BY name LIMIT ?",
      "SELECT COUNT(*) FROM key_pairs WHERE user_id = ?",
      // See create(): the row is written (not only locked) so that Galera certifies it too.
      "INSERT INTO keypaird_users (user_id, creates) VALUES (?, 1)"
      " ON DUPLICATE KEY UPDATE creates = creates + 1",
      "INSERT INTO key_pairs (user_id, name, fingerprint, public_key, type, created_at)"
      " VALUES (?, ?, ?, ?, ?, ?)",
      "DELETE FROM key_pairs WHERE user_id = ? AND name = ?",
      // For keypaird-manage: backups (scan, count_all) and restores (rows inserted as given).
      std::string("SELECT ") + kColumns + " FROM key_pairs WHERE id > ? ORDER BY id LIMIT ?",
      "SELECT COUNT(*) FROM key_pairs",
      "INSERT INTO key_pairs (id, user_id, name, fingerprint, public_key, type, created_at)"
      " VALUES (?, ?, ?, ?, ?, ?, ?)",
      "INSERT INTO key_pairs (user_id, name, fingerprint, public_key, type, created_at)"
      " VALUES (?, ?, ?, ?, ?, ?)",
      "",
  };
  static const std::array<std::string, kStatementCount> nova_texts = [] {
    std::array<std::string, kStatementCount> texts = own;
    texts[kLockUser] = "";
    // What a create that found the user over the quota after its insert takes back.
    texts[kDeleteId] = "DELETE FROM key_pairs WHERE id = ?";
    return texts;
  }();
  return nova ? nova_texts : own;
}

StoredKeypair keypair_from(Row& row) {
  StoredKeypair k;
  k.id = to_int(row[0]);
  k.user_id = std::move(row[1]);
  k.name = std::move(row[2]);
  k.fingerprint = std::move(row[3]);
  k.public_key = std::move(row[4]);
  k.type = std::move(row[5]);
  k.created_at = std::move(row[6]);
  return k;
}

std::vector<StoredKeypair> keypairs_from(std::vector<Row>& rows) {
  std::vector<StoredKeypair> out;
  out.reserve(rows.size());
  for (auto& row : rows) out.push_back(keypair_from(row));
  return out;
}

// What a prepared statement did: its rows (if it returns any), the rows it changed and the id
// it generated.
struct Executed {
  std::vector<Row> rows;
  std::uint64_t affected = 0;
  std::int64_t insert_id = 0;
};

// ok for a result, else its error.
template <typename T>
Status status_of(const Result<T>& r) {
  return r.is_ok() ? Status::ok() : r.status();
}

// A statement that Connector/C or the server refused fails as unavailable with the error's
// number leading the message ("1213: Deadlock found when trying to get lock; ..."), which is
// also how the log shows it; error_number() reads the number back where the store reacts to
// it. Every other failure (a timeout, a broken connection) has a message without a number.
Status mariadb_error(unsigned number, const char* message) {
  return Status::unavailable(std::to_string(number) + ": " + message);
}

// The error number of a failure made by mariadb_error(); 0 for any other Status.
unsigned error_number(const Status& status) {
  if (status.is_ok()) return 0;
  const std::string& m = status.message();
  unsigned number = 0;
  auto [end, error] = std::from_chars(m.data(), m.data() + m.size(), number);
  if (error != std::errc() || end == m.data() + m.size() || *end != ':') return 0;
  return number;
}

// A duplicate key: the (user_id, name) or the id is taken (the connection is fine).
bool is_duplicate(const Status& s) { return error_number(s) == kDuplicateEntry; }
// A value the column cannot hold (the connection is fine).
bool is_bad_value(const Status& s) {
  unsigned number = error_number(s);
  return number == kBadString || number == kTooLong;
}
// A deadlock or a lock wait timeout: the transaction was rolled back, and is worth running
// again (the connection is fine).
bool is_lock_conflict(const Status& s) {
  unsigned number = error_number(s);
  return number == kDeadlock || number == kLockWaitTimeout;
}
// What a user is told about a bad value (never the server's text, which quotes it).
std::string bad_value_reason(const Status& s) {
  return error_number(s) == kBadString
             ? "Keypair data is invalid: Nova's key_pairs table (utf8mb3) cannot hold"
               " characters beyond U+FFFF."
             : "Keypair data is invalid: longer than Nova's key_pairs table holds.";
}

// The answer of a COUNT(*); unavailable when the statement failed (or sent no row).
Result<std::int64_t> count_of(const Result<Executed>& r) {
  if (!r) return r.status();
  if (r->rows.empty() || r->rows[0].empty())
    return Status::unavailable("the database answered a count with no row");
  return to_int(r->rows[0][0]);
}

// Connector/C's timeouts and innodb_lock_wait_timeout count whole seconds.
unsigned whole_seconds(std::chrono::milliseconds timeout) {
  return static_cast<unsigned>(std::max<long long>(1, (timeout.count() + 999) / 1000));
}

void init_library_once() {
  // mysql_init() would do this too, but not safely from several threads at once.
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

}  // namespace

// One Connector/C connection and its prepared statements, driven through Connector/C's
// non-blocking calls so that every round trip waits at most until the caller's deadline. A
// connection that timed out, or failed for any reason but a duplicate key, a bad value, a
// deadlock or a lock wait timeout, is marked broken and never reused. Every call that talks to
// the server answers unavailable saying why when it fails (see mariadb_error()).
class MariadbConnection {
 public:
  ~MariadbConnection() {
    // A broken connection may have a half-done exchange or a stuck server behind it: shut the
    // socket first, so that closing (which says goodbye to the server) cannot wait.
    if (mysql_ && broken_) ::shutdown(static_cast<int>(mysql_get_socket(mysql_)), SHUT_RDWR);
    for (MYSQL_STMT* s : statements_)
      if (s) mysql_stmt_close(s);
    if (mysql_) mysql_close(mysql_);
  }

  // Connects, sets the session up (strict mode, READ COMMITTED, server-side limits of
  // `timeout`) and optionally prepares the keypair statements. An unavailable Status saying why
  // on failure.
  static Result<std::unique_ptr<MariadbConnection>> open(const MariadbEndpoint& e,
                                                         std::chrono::milliseconds timeout,
                                                         bool prepare, Clock::time_point deadline,
                                                         bool nova = false) {
    init_library_once();
    std::unique_ptr<MariadbConnection> c(new MariadbConnection);
    c->nova_ = nova;
    c->mysql_ = mysql_init(nullptr);
    if (!c->mysql_) return Status::unavailable("out of memory");
    MYSQL* m = c->mysql_;
    unsigned seconds = whole_seconds(timeout);
    my_bool no = 0, yes = 1;
    mysql_optionsv(m, MYSQL_OPT_NONBLOCK, 0);
    // Connector/C's own limits (whole seconds) stay as a backstop; the deadline comes first.
    mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &seconds);
    mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &seconds);
    mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &seconds);
    mysql_optionsv(m, MYSQL_OPT_RECONNECT, &no);  // the pool reconnects, between transactions
    mysql_optionsv(m, MYSQL_OPT_LOCAL_INFILE, &no);
    mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    // As PyMySQL does: a host (even "localhost") means TCP; a socket only when named.
    unsigned protocol = e.unix_socket.empty() ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
    if (!e.unix_socket.empty() || !e.host.empty()) mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &protocol);
    if (e.ssl) {
      if (!e.ssl_ca.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_CA, e.ssl_ca.c_str());
      if (!e.ssl_capath.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_CAPATH, e.ssl_capath.c_str());
      if (!e.ssl_cert.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_CERT, e.ssl_cert.c_str());
      if (!e.ssl_key.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_KEY, e.ssl_key.c_str());
      if (!e.ssl_cipher.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_CIPHER, e.ssl_cipher.c_str());
      if (!e.ssl_crl.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_CRL, e.ssl_crl.c_str());
      mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &yes);
      mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, e.ssl_verify_cert ? &yes : &no);
    }
    MYSQL* connected = nullptr;
    int status =
        mysql_real_connect_start(&connected, m, or_null(e.host), e.user.c_str(), e.password.c_str(),
                                 e.database.c_str(), e.port, or_null(e.unix_socket), 0);
    if (Status driven =
            c->drive(status, deadline,
                     [&](int ready) { return mysql_real_connect_cont(&connected, m, ready); });
        !driven)
      return Status::unavailable(driven.message() + " connecting");
    if (!connected) return Status::unavailable(mysql_error(m));
    // Strict mode: a value that does not fit is an error, never silently cut.
    char setup[256];
    std::snprintf(setup, sizeof setup,
                  "SET SESSION sql_mode = 'TRADITIONAL', SESSION innodb_lock_wait_timeout = %u,"
                  " SESSION max_statement_time = %.3f, SESSION time_zone = '+00:00'",
                  seconds, static_cast<double>(timeout.count()) / 1000.0);
    Status set = c->command(setup, deadline);
    if (set) set = c->command("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", deadline);
    if (!set) return set;
    if (prepare) {
      const auto& texts = statement_texts(nova);
      for (std::size_t i = 0; i < kStatementCount; ++i) {
        if (texts[i].empty()) continue;
        MYSQL_STMT* s = mysql_stmt_init(m);
        if (!s) return Status::unavailable("out of memory");
        c->statements_[i] = s;
        int error = 0;
        int waiting = mysql_stmt_prepare_start(&error, s, texts[i].data(), texts[i].size());
        if (Status driven =
                c->drive(waiting, deadline,
                         [&](int ready) { return mysql_stmt_prepare_cont(&error, s, ready); });
            !driven)
          return Status::unavailable(driven.message() + " preparing statements");
        if (error != 0)
          return Status::unavailable("cannot prepare a statement: " +
                                     std::string(mysql_stmt_error(s)));
      }
    }
    c->successes_ = 0;
    return c;
  }

  // A statement without parameters and without rows (or whose rows are not wanted).
  Status command(const char* sql, Clock::time_point deadline) {
    return status_of(query(sql, deadline));
  }

  // A text-protocol query without parameters; its rows.
  Result<std::vector<Row>> query(const char* sql, Clock::time_point deadline) {
    if (Status may = may_start(deadline); !may) return may;
    int error = 0;
    int status = mysql_real_query_start(&error, mysql_, sql, std::strlen(sql));
    if (Status driven =
            drive(status, deadline,
                  [&](int ready) { return mysql_real_query_cont(&error, mysql_, ready); });
        !driven)
      return driven;
    if (error != 0) return failed(mysql_errno(mysql_), mysql_error(mysql_));
    MYSQL_RES* result = nullptr;
    status = mysql_store_result_start(&result, mysql_);
    if (Status driven =
            drive(status, deadline,
                  [&](int ready) { return mysql_store_result_cont(&result, mysql_, ready); });
        !driven)
      return driven;
    std::vector<Row> rows;
    if (!result) {
      if (mysql_field_count(mysql_) != 0) return failed(mysql_errno(mysql_), mysql_error(mysql_));
      ++successes_;
      return rows;
    }
    unsigned columns = mysql_num_fields(result);
    while (MYSQL_ROW row = mysql_fetch_row(result)) {
      unsigned long* lengths = mysql_fetch_lengths(result);
      Row out(columns);
      for (unsigned i = 0; i < columns; ++i)
        if (row[i]) out[i].assign(row[i], lengths[i]);
      rows.push_back(std::move(out));
    }
    mysql_free_result(result);
    ++successes_;
    return rows;
  }

  // Runs a prepared statement with `params`: what it did (see is_duplicate(), is_bad_value()
  // and is_lock_conflict() for the failures the store tells apart).
  Result<Executed> run(Statement which, const std::vector<Param>& params,
                       Clock::time_point deadline) {
    if (Status may = may_start(deadline); !may) return may;
    MYSQL_STMT* s = statements_[which];
    std::vector<MYSQL_BIND> binds(params.size());
    std::vector<unsigned long> lengths(params.size());
    std::vector<long long> numbers(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      MYSQL_BIND& b = binds[i];
      const Param& p = params[i];
      if (p.kind == Param::Kind::integer) {
        numbers[i] = p.number;
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = &numbers[i];
      } else {
        // BLOB parameters reach the server as binary strings: compared with the VARBINARY
        // columns byte for byte, never checked or converted as utf8mb4. In Nova's table every
        // parameter is text, so that the columns' own collation compares them, as nova-api's
        // queries are compared.
        b.buffer_type =
            p.kind == Param::Kind::bytes && !nova_ ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
        b.buffer = const_cast<char*>(p.data.data());
        b.buffer_length = p.data.size();
        lengths[i] = p.data.size();
        b.length = &lengths[i];
      }
    }
    if (mysql_stmt_bind_param(s, binds.data()) != 0)
      return failed(mysql_stmt_errno(s), mysql_stmt_error(s));
    int error = 0;
    int status = mysql_stmt_execute_start(&error, s);
    if (Status driven = drive(status, deadline,
                              [&](int ready) { return mysql_stmt_execute_cont(&error, s, ready); });
        !driven)
      return driven;
    if (error != 0) return failed(mysql_stmt_errno(s), mysql_stmt_error(s));
    Executed out;
    out.affected = mysql_stmt_affected_rows(s);
    out.insert_id = static_cast<std::int64_t>(mysql_stmt_insert_id(s));
    if (mysql_stmt_field_count(s) > 0) {
      // The rows come over the network here; fetching them afterwards reads memory only.
      status = mysql_stmt_store_result_start(&error, s);
      if (Status driven =
              drive(status, deadline,
                    [&](int ready) { return mysql_stmt_store_result_cont(&error, s, ready); });
          !driven)
        return driven;
      if (error != 0) return failed(mysql_stmt_errno(s), mysql_stmt_error(s));
      Status fetched = fetch(s, out.rows);
      mysql_stmt_free_result(s);
      if (!fetched) return fetched;
    }
    ++successes_;
    return out;
  }

  Status commit(Clock::time_point deadline) { return command("COMMIT", deadline); }

  // ROLLBACK after a failed statement inside a transaction (best effort: a connection that
  // cannot do it is dropped, and the server rolls back when it goes).
  void rollback(Clock::time_point deadline) {
    if (broken_) return;
    if (!command("ROLLBACK", deadline)) broken_ = true;
  }

  bool broken() const { return broken_; }
  // Successful round trips since the connection was last handed out.
  int successes() const { return successes_; }
  void handed_out() { successes_ = 0; }

  // An idle connection whose server went away has something to read (an error packet or end
  // of file); checks that without waiting.
  bool looks_alive() {
    pollfd p{static_cast<int>(mysql_get_socket(mysql_)), POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }

 private:
  MariadbConnection() { statements_.fill(nullptr); }

  // Carries one non-blocking Connector/C call to its end: `status` is what the call waits for
  // (MYSQL_WAIT_READ/WRITE/EXCEPT/TIMEOUT), `resume(ready)` continues it with what happened
  // and returns what it waits for next (0: done). unavailable when the deadline came first (or
  // poll() failed): the call is then abandoned half-way and the connection is marked broken.
  template <typename Resume>
  Status drive(int status, Clock::time_point deadline, Resume resume) {
    while (status != 0) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return abandon("timed out");
      long long wait = left;
      if (status & MYSQL_WAIT_TIMEOUT)
        wait = std::min<long long>(wait, mysql_get_timeout_value_ms(mysql_));
      pollfd p{static_cast<int>(mysql_get_socket(mysql_)), 0, 0};
      if (status & MYSQL_WAIT_READ) p.events |= POLLIN;
      if (status & MYSQL_WAIT_WRITE) p.events |= POLLOUT;
      if (status & MYSQL_WAIT_EXCEPT) p.events |= POLLPRI;
      int polled = ::poll(&p, 1, static_cast<int>(std::min<long long>(wait, INT32_MAX)));
      if (polled < 0 && errno != EINTR)
        return abandon(std::string("poll: ") + std::strerror(errno));
      int ready = 0;
      if (polled > 0) {
        if (p.revents & POLLIN) ready |= MYSQL_WAIT_READ;
        if (p.revents & POLLOUT) ready |= MYSQL_WAIT_WRITE;
        if (p.revents & POLLPRI) ready |= MYSQL_WAIT_EXCEPT;
        // An error or hang-up: let the call find out by reading or writing.
        if (p.revents & (POLLERR | POLLHUP)) ready |= status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE);
      } else if (polled == 0 && (status & MYSQL_WAIT_TIMEOUT) && wait < left) {
        ready = MYSQL_WAIT_TIMEOUT;  // Connector/C's own timeout, before ours
      }
      if (ready == 0) continue;  // interrupted, or our deadline: checked above
      status = resume(ready);
    }
    return Status::ok();
  }

  // The connection is left in an unknown state: it is not used again.
  Status abandon(std::string why) {
    broken_ = true;
    return Status::unavailable(std::move(why));
  }

  Status may_start(Clock::time_point deadline) {
    if (broken_) return Status::unavailable("the connection broke earlier");
    if (Clock::now() < deadline) return Status::ok();
    // The call is out of time: whatever was under way is abandoned (the server rolls an open
    // transaction back when the connection closes).
    return abandon("timed out");
  }

  // A call Connector/C or the server refused with `error`. The connection stays usable after a
  // duplicate key, a bad value, a deadlock or a lock wait timeout; any other error breaks it.
  Status failed(unsigned error, const char* message) {
    if (error != kDuplicateEntry && error != kBadString && error != kTooLong &&
        error != kDeadlock && error != kLockWaitTimeout)
      broken_ = true;
    return mariadb_error(error, message);
  }

  // Every row of an executed statement whose result is stored, columns as bytes.
  Status fetch(MYSQL_STMT* s, std::vector<Row>& rows) {
    const unsigned columns = mysql_stmt_field_count(s);
    constexpr unsigned long kInline = 256;
    std::vector<std::array<char, kInline>> buffers(columns);
    std::vector<MYSQL_BIND> binds(columns);
    std::vector<unsigned long> lengths(columns);
    std::vector<my_bool> nulls(columns), errors(columns);
    for (unsigned i = 0; i < columns; ++i) {
      binds[i].buffer_type = MYSQL_TYPE_STRING;
      binds[i].buffer = buffers[i].data();
      binds[i].buffer_length = kInline;
      binds[i].length = &lengths[i];
      binds[i].is_null = &nulls[i];
      binds[i].error = &errors[i];
    }
    auto refused = [&] { return failed(mysql_stmt_errno(s), mysql_stmt_error(s)); };
    if (mysql_stmt_bind_result(s, binds.data()) != 0) return refused();
    for (;;) {
      int fetched = mysql_stmt_fetch(s);
      if (fetched == MYSQL_NO_DATA) return Status::ok();
      if (fetched == 1) return refused();
      Row row(columns);
      for (unsigned i = 0; i < columns; ++i) {
        if (nulls[i]) continue;
        if (lengths[i] <= kInline) {
          row[i].assign(buffers[i].data(), lengths[i]);
          continue;
        }
        // Longer than the inline buffer (a public key): fetched again, whole.
        row[i].resize(lengths[i]);
        MYSQL_BIND whole{};
        unsigned long length = 0;
        whole.buffer_type = MYSQL_TYPE_STRING;
        whole.buffer = row[i].data();
        whole.buffer_length = lengths[i];
        whole.length = &length;
        if (mysql_stmt_fetch_column(s, &whole, i, 0) != 0) return refused();
      }
      rows.push_back(std::move(row));
    }
  }

  MYSQL* mysql_ = nullptr;
  std::array<MYSQL_STMT*, kStatementCount> statements_;
  bool nova_ = false;  // in Nova's key_pairs: parameters as text
  bool broken_ = false;
  int successes_ = 0;
};

namespace {

Status migration_failed(const Status& why) {
  return Status::unavailable("schema migration failed: " + why.message());
}

// migrate()'s work, under the schema lock.
Status create_schema(MariadbConnection& c, Clock::time_point deadline) {
  if (Status created = c.command("CREATE TABLE IF NOT EXISTS keypaird_schema_version"
                                 " (version INT NOT NULL PRIMARY KEY) ENGINE=InnoDB",
                                 deadline);
      !created)
    return migration_failed(created);
  auto versions =
      c.query("SELECT COALESCE(MAX(version), 0) FROM keypaird_schema_version", deadline);
  if (!versions) return migration_failed(versions.status());
  std::int64_t version = versions->empty() ? 0 : to_int((*versions)[0][0]);
  if (version > MariadbKeypairStore::kSchemaVersion)
    return Status::internal("database schema version " + std::to_string(version) +
                            " is newer than this keypaird understands (" +
                            std::to_string(MariadbKeypairStore::kSchemaVersion) + ")");
  if (version >= 1) return Status::ok();
  auto tables = c.query(
      "SELECT COUNT(*) FROM information_schema.tables"
      " WHERE table_schema = DATABASE() AND table_name IN ('key_pairs', 'keypaird_users')",
      deadline);
  if (!tables) return migration_failed(tables.status());
  if (!tables->empty() && (*tables)[0][0] != "0")
    return Status::internal(
        "the database has a key_pairs table that keypaird did not create (Nova's API"
        " database?); keypaird's own schema needs a database of its own");
  // VARBINARY and BLOB: bytes compared and ordered as bytes (memcmp, as SQLite's BINARY and
  // PostgreSQL's "C"), no PAD SPACE ("a" and "a " differ), any byte kept. The unique key
  // (2048 + 1020 bytes) fits InnoDB's 3072-byte limit and serves the ordered name scans.
  std::string columns_of_ours = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
  Status created = c.command(("CREATE TABLE key_pairs ("
                              " id BIGINT NOT NULL AUTO_INCREMENT,"
                              " user_id VARBINARY(" +
                              std::to_string(MariadbKeypairStore::kMaxUserIdBytes) +
                              ") NOT NULL,"
                              " name VARBINARY(" +
                              std::to_string(MariadbKeypairStore::kMaxNameBytes) +
                              ") NOT NULL,"
                              " fingerprint VARBINARY(255),"
                              " public_key MEDIUMBLOB,"
                              " type VARBINARY(4) NOT NULL DEFAULT 'ssh',"
                              " created_at DATETIME(6) NOT NULL,"
                              " updated_at DATETIME(6) NULL,"
                              " PRIMARY KEY (id),"
                              " UNIQUE KEY key_pairs_user_id_name (user_id, name),"
                              " CONSTRAINT key_pairs_type CHECK (type IN ('ssh', 'x509')))" +
                              columns_of_ours)
                                 .c_str(),
                             deadline);
  // One row per user who ever created a keypair: what create() locks (and writes).
  if (created)
    created = c.command(("CREATE TABLE keypaird_users ("
                         " user_id VARBINARY(" +
                         std::to_string(MariadbKeypairStore::kMaxUserIdBytes) +
                         ") NOT NULL PRIMARY KEY,"
                         " creates BIGINT NOT NULL DEFAULT 0)" +
                         columns_of_ours)
                            .c_str(),
                        deadline);
  if (created)
    created = c.command("INSERT INTO keypaird_schema_version (version) VALUES (1)", deadline);
  if (!created) return migration_failed(created);
  return Status::ok();
}

// Creates keypaird's tables when they are not there yet. unavailable saying why when the
// database fails (or another node holds the schema lock past `lock_seconds`); internal when the
// database holds a schema newer than this build's or a key_pairs table keypaird did not make.
Status migrate(MariadbConnection& c, Clock::time_point deadline, unsigned lock_seconds) {
  // Nodes starting together queue here; the first creates the tables, the others find them.
  // (DDL commits on its own in MariaDB, so a transaction could not serialise this.)
  const std::string lock_name = "CONCAT('keypaird-schema-', DATABASE())";
  auto locked =
      c.query(("SELECT GET_LOCK(" + lock_name + ", " + std::to_string(lock_seconds) + ")").c_str(),
              deadline);
  if (!locked) return migration_failed(locked.status());
  if (locked->empty() || (*locked)[0][0] != "1")
    return Status::unavailable("schema migration failed: another node holds the schema lock");
  Status migrated = create_schema(c, deadline);
  (void)c.command(("DO RELEASE_LOCK(" + lock_name + ")").c_str(), deadline);
  return migrated;
}

// Checks, reading only, that the database has Nova's key_pairs table as `nova-manage api_db sync`
// makes it (the columns nova-api reads and writes, with compatible types, and the unique key on
// user_id and name); returns the collation of its name column. unavailable when the database
// cannot be read, internal saying what is missing when the table is not as Nova makes it.
Result<std::string> verify_nova_schema(MariadbConnection& c, Clock::time_point deadline,
                                       const std::string& where) {
  auto columns = c.query(
      "SELECT column_name, data_type, column_type, is_nullable,"
      " COALESCE(collation_name, '') FROM information_schema.columns"
      " WHERE table_schema = DATABASE() AND table_name = 'key_pairs'",
      deadline);
  if (!columns)
    return Status::unavailable("cannot read Nova's key_pairs table in " + where + ": " +
                               columns.status().message());
  const std::vector<Row>& rows = *columns;
  auto refuse = [&](const std::string& why) {
    return Status::internal(
        where +
        " is not a Nova API database as keypaird ([database] schema = nova_api) needs: " + why +
        ". keypaird creates and changes nothing in Nova's database: run `nova-manage api_db "
        "sync` there, or name Nova's API database in [database] connection");
  };
  if (rows.empty()) return refuse("it has no key_pairs table");
  struct Expected {
    const char* column;
    std::vector<std::string> types;  // data_type, any of
    bool not_null;
  };
  const std::vector<Expected> expected = {
      {"id", {"int", "bigint"}, true},
      {"name", {"varchar"}, true},
      {"user_id", {"varchar"}, true},
      {"fingerprint", {"varchar"}, false},
      {"public_key", {"text", "mediumtext", "longtext"}, false},
      {"type", {"enum"}, true},
      {"created_at", {"datetime"}, false},
      {"updated_at", {"datetime"}, false},
  };
  std::string collation;
  for (const auto& want : expected) {
    const Row* found = nullptr;
    for (const auto& row : rows)
      if (ascii_lower(row[0]) == want.column) found = &row;
    if (!found) return refuse(std::string("key_pairs has no column ") + want.column);
    const std::string type = ascii_lower((*found)[1]);
    if (std::find(want.types.begin(), want.types.end(), type) == want.types.end())
      return refuse(std::string("key_pairs.") + want.column + " is " + (*found)[2]);
    if (want.not_null && (*found)[3] != "NO")
      return refuse(std::string("key_pairs.") + want.column + " may be NULL");
    if (std::string(want.column) == "type" && ascii_lower((*found)[2]) != "enum('ssh','x509')")
      return refuse("key_pairs.type is " + (*found)[2] + ", not enum('ssh','x509')");
    if (std::string(want.column) == "name") collation = (*found)[4];
  }
  auto indexes = c.query(
      "SELECT GROUP_CONCAT(column_name ORDER BY seq_in_index) FROM"
      " information_schema.statistics WHERE table_schema = DATABASE() AND"
      " table_name = 'key_pairs' AND non_unique = 0 GROUP BY index_name",
      deadline);
  if (!indexes)
    return Status::unavailable("cannot read Nova's key_pairs indexes in " + where + ": " +
                               indexes.status().message());
  bool unique = false;
  for (const auto& row : *indexes) unique = unique || ascii_lower(row[0]) == "user_id,name";
  if (!unique) return refuse("key_pairs has no unique key on (user_id, name)");
  return collation;
}

}  // namespace

MariadbKeypairStore::MariadbKeypairStore(MariadbOptions options) : options_(std::move(options)) {
  if (options_.pool_size == 0) options_.pool_size = 1;
  auto endpoint = parse_mariadb_url(options_.url);
  if (!endpoint.is_ok())
    throw std::runtime_error(redact_database_url(options_.url) + ": " +
                             endpoint.status().message());
  endpoint_ = std::move(endpoint).value();
  for (const auto& name : endpoint_.ignored)
    spdlog::warn("database: ignoring the connection URL's parameter {}", name);
  auto deadline = Clock::now() + options_.migration_timeout;
  auto c = MariadbConnection::open(endpoint_, options_.migration_timeout, false, deadline);
  if (!c.is_ok())
    throw std::runtime_error("cannot connect to " + redact_database_url(options_.url) + ": " +
                             c.status().message());
  if (options_.nova_api_schema) {
    auto collation = verify_nova_schema(**c, deadline, redact_database_url(options_.url));
    if (!collation) throw std::runtime_error(collation.status().message());
    name_collation_ = std::move(collation).value();
    spdlog::info("database: Nova's key_pairs table; names compare as {}", name_collation_);
    return;
  }
  if (Status migrated = migrate(**c, deadline, whole_seconds(options_.migration_timeout));
      !migrated)
    throw std::runtime_error(migrated.message());
}

MariadbKeypairStore::~MariadbKeypairStore() = default;

Result<int> MariadbKeypairStore::read_schema_version(const std::string& url,
                                                     std::chrono::milliseconds timeout) {
  auto endpoint = parse_mariadb_url(url);
  if (!endpoint.is_ok()) return std::move(endpoint).status();
  auto deadline = Clock::now() + timeout;
  auto c = MariadbConnection::open(*endpoint, timeout, false, deadline);
  if (!c.is_ok())
    return Status::unavailable("cannot connect to " + redact_database_url(url) + ": " +
                               c.status().message());
  // The first column of the one row `sql` reads.
  auto value = [&](const char* sql) -> Result<std::string> {
    auto rows = (*c)->query(sql, deadline);
    if (!rows)
      return Status::unavailable("cannot read the schema version: " + rows.status().message());
    if (rows->empty()) return Status::unavailable("cannot read the schema version: no row");
    return std::move((*rows)[0][0]);
  };
  auto tables = value(
      "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema ="
      " DATABASE() AND table_name = 'keypaird_schema_version'");
  if (!tables) return std::move(tables).status();
  if (*tables == "0") return 0;
  auto version = value("SELECT COALESCE(MAX(version), 0) FROM keypaird_schema_version");
  if (!version) return std::move(version).status();
  return static_cast<int>(to_int(*version));
}

std::unique_ptr<MariadbConnection> MariadbKeypairStore::acquire(Clock::time_point deadline,
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
      // until their own timeouts: answer now rather than queue behind them.
      if (database_down_) return nullptr;
      (void)pool_changed_.wait_until(pool_mutex_, deadline);
    }
  }
  auto c = MariadbConnection::open(endpoint_, options_.timeout, true, deadline,
                                   options_.nova_api_schema);
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

void MariadbKeypairStore::release(std::unique_ptr<MariadbConnection> connection) {
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

Status MariadbKeypairStore::with_connection(Clock::time_point deadline,
                                            const std::function<Status(MariadbConnection&)>& work) {
  bool retried_fresh = false;
  for (int lock_attempt = 0;;) {
    bool reused = false;
    auto c = acquire(deadline, reused);
    if (!c) return unavailable();
    Status status = work(*c);
    bool failed = status.is(ErrorKind::unavailable);
    bool conflict = failed && !c->broken() && is_lock_conflict(status);
    // A reused connection found dead at its first round trip (the server restarted while it
    // sat idle) did nothing: worth one more try on a fresh one, if time is left.
    bool dead_on_reuse = failed && c->broken() && reused && c->successes() == 0 && !retried_fresh &&
                         Clock::now() < deadline;
    release(std::move(c));
    if (dead_on_reuse) {
      retried_fresh = true;
      continue;
    }
    if (conflict && ++lock_attempt <= kLockRetries && Clock::now() < deadline) {
      // The transaction was rolled back; a short, random pause lets the other one finish.
      thread_local std::minstd_rand random(std::random_device{}());
      std::this_thread::sleep_for(std::chrono::milliseconds(1 + random() % (5 * lock_attempt)));
      continue;
    }
    // Callers hear the store's one unavailable message; the database's reason goes to the log.
    if (failed) {
      warn(status.message());
      return unavailable();
    }
    return status;
  }
}

void MariadbKeypairStore::warn(const std::string& error) {
  // At most one line a second: a database outage under load would otherwise flood the log.
  auto now = Clock::now().time_since_epoch().count();
  auto last = last_warning_.load();
  if (now - last < std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(1)).count())
    return;
  if (last_warning_.compare_exchange_strong(last, now)) spdlog::warn("database: {}", error);
}

keypaird::Result<StoredKeypair> MariadbKeypairStore::get(const std::string& user_id,
                                                         const std::string& name) {
  auto deadline = Clock::now() + options_.timeout;
  StoredKeypair out;
  Status status = with_connection(deadline, [&](MariadbConnection& c) -> Status {
    auto r = c.run(kGet, {bytes(user_id), bytes(name)}, deadline);
    if (!r) return r.status();
    if (r->rows.empty()) return not_found();
    out = keypair_from(r->rows[0]);
    return Status::ok();
  });
  if (!status) return status;
  return out;
}

keypaird::Result<std::vector<StoredKeypair>> MariadbKeypairStore::list(
    const std::string& user_id, const std::optional<std::string>& after_name,
    std::optional<std::int64_t> limit) {
  std::vector<StoredKeypair> out;
  auto deadline = Clock::now() + options_.timeout;
  const long long most = limit ? std::max<std::int64_t>(0, *limit) : INT64_MAX;
  Status status = with_connection(deadline, [&](MariadbConnection& c) -> Status {
    auto r = after_name
                 ? c.run(kListAfter, {bytes(user_id), bytes(*after_name), integer(most)}, deadline)
                 : c.run(kListAll, {bytes(user_id), integer(most)}, deadline);
    if (!r) return r.status();
    out = keypairs_from(r->rows);
    return Status::ok();
  });
  if (!status) return status;
  return out;
}

keypaird::Result<std::int64_t> MariadbKeypairStore::count(const std::string& user_id) {
  auto deadline = Clock::now() + options_.timeout;
  std::int64_t out = 0;
  Status status = with_connection(deadline, [&](MariadbConnection& c) -> Status {
    auto n = count_of(c.run(kCount, {bytes(user_id)}, deadline));
    if (!n) return n.status();
    out = *n;
    return Status::ok();
  });
  if (!status) return status;
  return out;
}

namespace {

// Characters of UTF-8 text (bytes that do not continue a character).
std::size_t utf8_length(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// "YYYY-MM-DDThh:mm:ss.ffffff" cut to whole seconds, as a DATETIME column keeps it (MariaDB
// drops the fraction rather than rounding).
std::string whole_second(std::string timestamp) {
  if (timestamp.size() == 26) timestamp.replace(20, 6, "000000");
  return timestamp;
}

}  // namespace

Status MariadbKeypairStore::check_lengths(const StoredKeypair& k) const {
  if (options_.nova_api_schema) {
    if (utf8_length(k.user_id) > kNovaMaxChars)
      return Status::invalid_input("User ID is too long: Nova's key_pairs holds at most " +
                                   std::to_string(kNovaMaxChars) + " characters.");
    if (utf8_length(k.name) > kNovaMaxChars)
      return Status::invalid_input("Keypair name is too long: at most " +
                                   std::to_string(kNovaMaxChars) + " characters.");
    return Status::ok();
  }
  if (k.user_id.size() > kMaxUserIdBytes)
    return Status::invalid_input("User ID is too long: keypairs need a user_id of at most " +
                                 std::to_string(kMaxUserIdBytes) + " bytes.");
  if (k.name.size() > kMaxNameBytes)
    return Status::invalid_input("Keypair name is too long: at most " +
                                 std::to_string(kMaxNameBytes) + " bytes.");
  return Status::ok();
}

keypaird::Result<StoredKeypair> MariadbKeypairStore::create_nova(const StoredKeypair& k,
                                                                 std::int64_t quota) {
  // As nova-api 26.2.2 does (KeypairAPI: Quotas.check_deltas, KeyPair.create, check_deltas
  // again): count, insert, recount, each committed on its own. Two creators racing for the
  // last place may both see the quota exceeded at the recount and both take their rows back;
  // neither leaves the user above the quota once its recount is done.
  auto deadline = Clock::now() + options_.timeout;
  auto counted = [&]() -> Result<std::int64_t> {
    std::int64_t n = 0;
    Status status = with_connection(deadline, [&](MariadbConnection& c) -> Status {
      auto r = count_of(c.run(kCount, {bytes(k.user_id)}, deadline));
      if (!r) return r.status();
      n = *r;
      return Status::ok();
    });
    if (!status) return status;
    return n;
  };
  if (quota >= 0) {
    auto before = counted();
    if (!before) return std::move(before).status();
    if (*before >= quota) return quota_full();
  }
  StoredKeypair stored = k;
  stored.created_at = whole_second(current_timestamp());
  Status inserted = with_connection(deadline, [&](MariadbConnection& c) -> Status {
    auto r = c.run(kInsert,
                   {bytes(k.user_id), bytes(k.name), bytes(k.fingerprint), bytes(k.public_key),
                    text(k.type), text(stored.created_at)},
                   deadline);
    if (!r) {
      if (is_duplicate(r.status())) return name_taken();
      if (is_bad_value(r.status())) return Status::invalid_input(bad_value_reason(r.status()));
      return r.status();
    }
    stored.id = r->insert_id;
    return Status::ok();
  });
  if (!inserted) return inserted;
  if (quota >= 0) {
    auto after = counted();
    // Unknown after the insert: the row stays (as in Nova, where a failed recount is an error
    // after the row was written); the caller hears unavailable.
    if (!after) return std::move(after).status();
    if (*after > quota) {
      Status removed = with_connection(deadline, [&](MariadbConnection& c) {
        return status_of(c.run(kDeleteId, {integer(stored.id)}, deadline));
      });
      if (!removed) return removed;
      return quota_full();
    }
  }
  return stored;
}

keypaird::Result<StoredKeypair> MariadbKeypairStore::create(const StoredKeypair& keypair,
                                                            std::int64_t quota) {
  const StoredKeypair& k = keypair;
  if (Status lengths = check_lengths(k); !lengths) return lengths;
  if (options_.nova_api_schema) return create_nova(k, quota);
  StoredKeypair stored;
  auto deadline = Clock::now() + options_.timeout;
  Status status = with_connection(deadline, [&](MariadbConnection& c) -> Status {
    if (Status begun = c.command("START TRANSACTION", deadline); !begun) return begun;
    auto abort = [&](const Status& why) {
      c.rollback(deadline);
      return why;
    };
    // Quota and uniqueness in one step: the user's row in keypaird_users is written first,
    // which holds its exclusive row lock until COMMIT, so creators of one user run one at a
    // time across all nodes and the count below stays true until this transaction commits.
    // A row of our own rather than SELECT ... FOR UPDATE on key_pairs: locking a user's keys
    // cannot stop a phantom insert without InnoDB's gap locks (deadlock-prone, and not taken
    // at all for a user with no keys), and Galera does not replicate locks, only writes:
    // writing the row makes two creates for one user on different Galera nodes conflict at
    // certification, and the loser is retried as a deadlock (1213). The unique key settles
    // the name (a duplicate is error 1062).
    if (auto locked = c.run(kLockUser, {bytes(k.user_id)}, deadline); !locked)
      return abort(locked.status());
    auto counted = count_of(c.run(kCount, {bytes(k.user_id)}, deadline));
    if (!counted) return abort(counted.status());
    if (quota >= 0 && *counted >= quota) {
      c.rollback(deadline);
      return quota_full();
    }
    std::string created_at = current_timestamp();
    auto inserted = c.run(kInsert,
                          {bytes(k.user_id), bytes(k.name), bytes(k.fingerprint),
                           bytes(k.public_key), text(k.type), text(created_at)},
                          deadline);
    if (!inserted) return abort(is_duplicate(inserted.status()) ? name_taken() : inserted.status());
    // If COMMIT's answer is lost the row may or may not exist; the caller hears unavailable.
    if (Status committed = c.commit(deadline); !committed) return committed;
    stored = k;
    stored.id = inserted->insert_id;
    stored.created_at = std::move(created_at);
    return Status::ok();
  });
  if (!status) return status;
  return stored;
}

Status MariadbKeypairStore::remove(const std::string& user_id, const std::string& name) {
  auto deadline = Clock::now() + options_.timeout;
  return with_connection(deadline, [&](MariadbConnection& c) -> Status {
    // In a transaction of its own so that a connection found dead at its first round trip is
    // safe to retry (nothing was deleted yet).
    if (Status begun = c.command("START TRANSACTION", deadline); !begun) return begun;
    auto r = c.run(kDelete, {bytes(user_id), bytes(name)}, deadline);
    if (!r) {
      c.rollback(deadline);
      return r.status();
    }
    if (Status committed = c.commit(deadline); !committed) return committed;
    return r->affected > 0 ? Status::ok() : not_found();
  });
}

keypaird::Result<std::vector<StoredKeypair>> MariadbKeypairStore::scan(std::int64_t after_id,
                                                                       std::int64_t limit) {
  auto deadline = Clock::now() + options_.timeout;
  std::vector<StoredKeypair> out;
  Status status = with_connection(deadline, [&](MariadbConnection& c) -> Status {
    auto r = c.run(kScan, {integer(after_id), integer(std::max<std::int64_t>(0, limit))}, deadline);
    if (!r) return r.status();
    out = keypairs_from(r->rows);
    return Status::ok();
  });
  if (!status) return status;
  return out;
}

keypaird::Result<std::int64_t> MariadbKeypairStore::count_all() {
  auto deadline = Clock::now() + options_.timeout;
  std::int64_t out = 0;
  Status status = with_connection(deadline, [&](MariadbConnection& c) -> Status {
    auto n = count_of(c.run(kCountAll, {}, deadline));
    if (!n) return n.status();
    out = *n;
    return Status::ok();
  });
  if (!status) return status;
  return out;
}

keypaird::Result<std::vector<Status>> MariadbKeypairStore::restore(
    const std::vector<StoredKeypair>& rows) {
  // Restores are bulk work: a longer budget than one request's.
  auto deadline = Clock::now() + options_.timeout * 10;
  std::vector<Status> outcomes;
  Status status = with_connection(deadline, [&](MariadbConnection& c) -> Status {
    outcomes.assign(rows.size(), Status::ok());
    if (Status begun = c.command("START TRANSACTION", deadline); !begun) return begun;
    // Rows with their own id first, then rows that get a new one: AUTO_INCREMENT moves past
    // every id given, so a new id never collides with one restored in the same batch.
    for (int pass = 0; pass < 2; ++pass) {
      bool with_id = pass == 0;
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const StoredKeypair& k = rows[i];
        if ((k.id > 0) != with_id) continue;
        if (Status lengths = check_lengths(k); !lengths) {
          outcomes[i] = Status::invalid_input("the user id or the name is too long");
          continue;
        }
        // Nova's created_at is a DATETIME: whole seconds, cut as the server would.
        const std::string created_at =
            options_.nova_api_schema ? whole_second(k.created_at) : k.created_at;
        std::vector<Param> params = {bytes(k.user_id),    bytes(k.name), bytes(k.fingerprint),
                                     bytes(k.public_key), text(k.type),  text(created_at)};
        if (with_id) params.insert(params.begin(), integer(k.id));
        auto r = c.run(with_id ? kRestoreWithId : kRestoreNewId, params, deadline);
        if (!r) {
          const Status& why = r.status();
          if (is_bad_value(why)) {
            outcomes[i] = Status::invalid_input(bad_value_reason(why));
            continue;
          }
          if (!is_duplicate(why)) {
            c.rollback(deadline);
            return why;
          }
          outcomes[i] = name_taken();  // the (user_id, name) or the id is taken
        }
      }
    }
    return c.commit(deadline);
  });
  if (!status) return status;
  return outcomes;
}

}  // namespace keypaird::store
