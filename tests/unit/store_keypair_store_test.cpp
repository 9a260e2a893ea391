// The store contract, run against every KeypairDatabase: the memory store, SQLite on a temporary
// file, PostgreSQL when KEYPAIRD_TEST_POSTGRES_URL names a database it may wipe (CTest's
// store.postgres test starts a throwaway server and sets it), and MariaDB likewise with
// KEYPAIRD_TEST_MARIADB_URL (store.mariadb), there in keypaird's own schema and in Nova's
// key_pairs table (schema = nova_api). Ordering, uniqueness, quota, durability across reopen;
// then what only one of them has (file mode, several nodes, timeouts, Nova's collation).
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <sstream>
#include <thread>

#include "store/mariadb_keypair_store.h"
#include "store/memory_keypair_store.h"
#include "store/postgres_keypair_store.h"
#include "store/sqlite_keypair_store.h"
#include "store/store_factory.h"

using namespace keypaird::store;
using keypaird::ErrorKind;
using keypaird::Result;
using keypaird::Status;
using namespace std::chrono_literals;

namespace {

StoredKeypair key(const std::string& user, const std::string& name) {
  StoredKeypair k;
  k.user_id = user;
  k.name = name;
  k.fingerprint = "fp";
  k.public_key = "pk";
  k.type = "ssh";
  return k;
}

const char* postgres_url() { return std::getenv("KEYPAIRD_TEST_POSTGRES_URL"); }

// Runs SQL on its own libpq connection (outside the store), failing the test on error.
class Psql {
 public:
  Psql() : conn_(PQconnectdb(postgres_url())) {
    if (PQstatus(conn_) != CONNECTION_OK) ADD_FAILURE() << PQerrorMessage(conn_);
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
  }
  ~Psql() { PQfinish(conn_); }
  std::string exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    std::string value;
    auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
      ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
    else if (status == PGRES_TUPLES_OK && PQntuples(r) > 0)
      value = PQgetvalue(r, 0, 0);
    PQclear(r);
    return value;
  }

 private:
  PGconn* conn_;
};

PostgresOptions postgres_options(std::chrono::milliseconds timeout = 5000ms) {
  PostgresOptions options;
  options.url = postgres_url();
  options.pool_size = 4;
  options.timeout = timeout;
  return options;
}

void wipe_postgres() {
  Psql psql;
  psql.exec("DROP TABLE IF EXISTS key_pairs, keypaird_schema_version");
}

const char* mariadb_url() { return std::getenv("KEYPAIRD_TEST_MARIADB_URL"); }

// Runs SQL on its own Connector/C connection (outside the store), failing the test on error.
class MariadbClient {
 public:
  MariadbClient() : mysql_(mysql_init(nullptr)) {
    auto e = parse_mariadb_url(mariadb_url());
    if (!e.is_ok()) {
      ADD_FAILURE() << e.status().message();
      return;
    }
    unsigned tcp = MYSQL_PROTOCOL_TCP;
    mysql_optionsv(mysql_, MYSQL_OPT_PROTOCOL, &tcp);
    if (!mysql_real_connect(mysql_, e->host.c_str(), e->user.c_str(), e->password.c_str(),
                            e->database.c_str(), e->port, nullptr, 0))
      ADD_FAILURE() << mysql_error(mysql_);
  }
  ~MariadbClient() { mysql_close(mysql_); }
  // The first column of the first row ("" when none).
  std::string exec(const std::string& sql) {
    if (mysql_query(mysql_, sql.c_str()) != 0) {
      ADD_FAILURE() << sql << ": " << mysql_error(mysql_);
      return "";
    }
    std::string value;
    if (MYSQL_RES* r = mysql_store_result(mysql_)) {
      MYSQL_ROW row = mysql_fetch_row(r);
      if (row && row[0]) value = row[0];
      mysql_free_result(r);
    }
    return value;
  }
  // Whether `sql` succeeded (without failing the test when it did not).
  bool try_exec(const std::string& sql) {
    if (mysql_query(mysql_, sql.c_str()) != 0) return false;
    if (MYSQL_RES* r = mysql_store_result(mysql_)) mysql_free_result(r);
    return true;
  }

 private:
  MYSQL* mysql_;
};

MariadbOptions mariadb_options(std::chrono::milliseconds timeout = 5000ms) {
  MariadbOptions options;
  options.url = mariadb_url();
  options.pool_size = 4;
  options.timeout = timeout;
  return options;
}

void wipe_mariadb() {
  MariadbClient client;
  client.exec("DROP TABLE IF EXISTS key_pairs, keypaird_users, keypaird_schema_version");
}

// Nova's key_pairs exactly as `nova-manage api_db sync` (Nova 26.2.2) creates it on MariaDB
// 10.11 (SHOW CREATE TABLE); test_mariadb_nova.py uses the real nova-manage instead.
constexpr const char* kNovaKeyPairsTable =
    "CREATE TABLE key_pairs ("
    " created_at datetime DEFAULT NULL,"
    " updated_at datetime DEFAULT NULL,"
    " id int(11) NOT NULL AUTO_INCREMENT,"
    " name varchar(255) NOT NULL,"
    " user_id varchar(255) NOT NULL,"
    " fingerprint varchar(255) DEFAULT NULL,"
    " public_key text DEFAULT NULL,"
    " type enum('ssh','x509') NOT NULL DEFAULT 'ssh',"
    " PRIMARY KEY (id),"
    " UNIQUE KEY uniq_key_pairs0user_id0name (user_id, name)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_general_ci";

void make_nova_table() {
  wipe_mariadb();
  MariadbClient client;
  client.exec(kNovaKeyPairsTable);
}

MariadbOptions mariadb_nova_options() {
  MariadbOptions options = mariadb_options();
  options.nova_api_schema = true;
  return options;
}

struct Backend {
  std::string name;
  // Prepares an empty database; returns why the backend cannot run here, or "".
  std::function<std::string(const std::filesystem::path& dir)> set_up;
  // Opens a store on that database (again and again, like restarts or extra nodes).
  std::function<std::unique_ptr<KeypairDatabase>(const std::filesystem::path& dir)> open;
  bool durable = true;  // a reopened store sees what an earlier one stored
  // Nova's key_pairs (schema = nova_api) keeps Nova's rules rather than keypaird's: names
  // compared and ordered by the table's collation (case-insensitive), created_at in whole
  // seconds, the quota counted before and after the insert (not under a lock).
  bool nova_table = false;
};

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) { return info.param.name; }
void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

const Backend kSqlite{
    "Sqlite", [](const std::filesystem::path&) { return std::string(); },
    [](const std::filesystem::path& dir) -> std::unique_ptr<KeypairDatabase> {
      return std::make_unique<SqliteKeypairStore>((dir / "store.sqlite").string());
    }};

const Backend kPostgres{"Postgres",
                        [](const std::filesystem::path&) {
                          if (!postgres_url())
                            return std::string("KEYPAIRD_TEST_POSTGRES_URL is not set");
                          wipe_postgres();
                          return std::string();
                        },
                        [](const std::filesystem::path&) -> std::unique_ptr<KeypairDatabase> {
                          return std::make_unique<PostgresKeypairStore>(postgres_options());
                        }};

const Backend kMariadb{"Mariadb",
                       [](const std::filesystem::path&) {
                         if (!mariadb_url())
                           return std::string("KEYPAIRD_TEST_MARIADB_URL is not set");
                         wipe_mariadb();
                         return std::string();
                       },
                       [](const std::filesystem::path&) -> std::unique_ptr<KeypairDatabase> {
                         return std::make_unique<MariadbKeypairStore>(mariadb_options());
                       }};

const Backend kMariadbNova{"MariadbNova",
                           [](const std::filesystem::path&) {
                             if (!mariadb_url())
                               return std::string("KEYPAIRD_TEST_MARIADB_URL is not set");
                             make_nova_table();
                             return std::string();
                           },
                           [](const std::filesystem::path&) -> std::unique_ptr<KeypairDatabase> {
                             return std::make_unique<MariadbKeypairStore>(mariadb_nova_options());
                           },
                           true, true};

const Backend kMemory{"Memory", [](const std::filesystem::path&) { return std::string(); },
                      [](const std::filesystem::path&) -> std::unique_ptr<KeypairDatabase> {
                        return std::make_unique<MemoryKeypairStore>();
                      },
                      false};

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(test.begin(), test.end(), '/', '-');  // "Name/Backend"
    dir_ = std::filesystem::temp_directory_path() /
           ("keypaird-store-test-" + std::to_string(::getpid()) + "-" + test);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if (auto why = GetParam().set_up(dir_); !why.empty()) GTEST_SKIP() << why;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<KeypairDatabase> open() { return GetParam().open(dir_); }

  std::filesystem::path dir_;
};

ErrorKind kind_of(const Status& s) { return s.is_ok() ? ErrorKind::internal : s.kind(); }
template <typename T>
ErrorKind kind_of(const Result<T>& r) {
  return r.is_ok() ? ErrorKind::internal : r.status().kind();
}

std::vector<std::string> names_of(const std::vector<StoredKeypair>& rows) {
  std::vector<std::string> names;
  for (const auto& k : rows) names.push_back(k.name);
  return names;
}

}  // namespace

TEST_P(StoreTest, CreateGetListRemove) {
  if (GetParam().nova_table)
    GTEST_SKIP() << "byte-wise names: Nova's key_pairs compares names by its collation, where"
                    " \"b\" and \"B\" are one name (MariadbNovaStore.NamesAsNovaComparesThem)";
  auto store = open();
  for (const char* name : {"b", "B", "a", "a b", "\xc3\xa9", "Z"}) {
    auto out = store->create(key("u", name), -1);
    ASSERT_TRUE(out.is_ok()) << name;
    EXPECT_GT(out->id, 0);
    EXPECT_EQ(out->created_at.size(), 26u);
  }
  auto listed = store->list("u", std::nullopt, std::nullopt);
  ASSERT_TRUE(listed.is_ok());
  // Byte order, whatever the database's collation says.
  EXPECT_EQ(names_of(*listed), (std::vector<std::string>{"B", "Z", "a", "a b", "b", "\xc3\xa9"}));

  listed = store->list("u", std::string("a"), 2);
  ASSERT_TRUE(listed.is_ok());
  EXPECT_EQ(names_of(*listed), (std::vector<std::string>{"a b", "b"}));
  listed = store->list("u", std::nullopt, 0);
  ASSERT_TRUE(listed.is_ok());
  EXPECT_TRUE(listed->empty());

  EXPECT_EQ(kind_of(store->get("u", "A")), ErrorKind::not_found);  // case-sensitive
  auto got = store->get("u", "B");
  ASSERT_TRUE(got.is_ok());
  EXPECT_EQ(got->user_id, "u");
  EXPECT_EQ(got->fingerprint, "fp");
  EXPECT_EQ(got->public_key, "pk");
  EXPECT_EQ(got->type, "ssh");
  EXPECT_EQ(got->created_at.size(), 26u);
  EXPECT_EQ(got->created_at[10], 'T');
  EXPECT_TRUE(store->remove("u", "B").is_ok());
  EXPECT_EQ(kind_of(store->remove("u", "B")), ErrorKind::not_found);
  EXPECT_EQ(kind_of(store->get("other", "a")), ErrorKind::not_found);
  auto count = store->count("u");
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, 5);
}

TEST_P(StoreTest, CreatedAtReadsBackAsWritten) {
  auto store = open();
  auto out = store->create(key("u", "k"), -1);
  ASSERT_TRUE(out.is_ok());
  auto got = store->get("u", "k");
  ASSERT_TRUE(got.is_ok());
  EXPECT_EQ(got->created_at, out->created_at);
  EXPECT_EQ(got->id, out->id);
}

TEST_P(StoreTest, NamesWithNulNeverExist) {
  auto store = open();
  const std::string nul("a\0b", 3);
  EXPECT_EQ(kind_of(store->get("u", nul)), ErrorKind::not_found);
  EXPECT_EQ(kind_of(store->remove("u", nul)), ErrorKind::not_found);
}

TEST_P(StoreTest, DuplicatesAndQuotaAreCheckedAtomically) {
  auto store = open();
  EXPECT_TRUE(store->create(key("u", "k"), 5).is_ok());
  EXPECT_EQ(kind_of(store->create(key("u", "k"), 5)), ErrorKind::conflict);
  EXPECT_TRUE(store->create(key("v", "k"), 5).is_ok());
  EXPECT_EQ(kind_of(store->create(key("u", "k"), 1)), ErrorKind::quota_exceeded);  // quota first

  // 40 concurrent creates of distinct names against a quota of 10: exactly 10 succeed. In
  // Nova's table (count, insert, recount, as nova-api) racing creates may all take their rows
  // back at the recount: at most 10 succeed, and the user never ends above the quota.
  std::atomic<int> created{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 40; ++i) {
    threads.emplace_back([&, i] {
      auto r = store->create(key("q", "n" + std::to_string(i)), 10);
      (r.is_ok() ? created : refused)++;
      EXPECT_TRUE(r.is_ok() || kind_of(r) == ErrorKind::quota_exceeded);
    });
  }
  for (auto& t : threads) t.join();
  auto count = store->count("q");
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(created.load() + refused.load(), 40);
  if (GetParam().nova_table) {
    EXPECT_LE(created.load(), 10);
    EXPECT_EQ(*count, created.load());
    return;
  }
  EXPECT_EQ(created.load(), 10);
  EXPECT_EQ(refused.load(), 30);
  EXPECT_EQ(*count, 10);
}

TEST_P(StoreTest, SurvivesReopenAndNeverReusesIds) {
  if (!GetParam().durable) GTEST_SKIP() << "not durable: a reopened store starts empty";
  std::int64_t id = 0;
  {
    auto store = open();
    id = store->create(key("u", "kept"), -1)->id;
  }
  auto reopened = open();
  auto got = reopened->get("u", "kept");
  ASSERT_TRUE(got.is_ok());
  EXPECT_EQ(got->id, id);
  EXPECT_TRUE(reopened->remove("u", "kept").is_ok());
  EXPECT_GT(reopened->create(key("u", "again"), -1)->id, id);
}

// The backup interface: scan in id order, count_all, restore with ids kept, conflicts per row.
TEST_P(StoreTest, ScanCountAllAndRestore) {
  auto store = open();
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(
        store->create(key("u" + std::to_string(i % 2), "k" + std::to_string(i)), -1).is_ok());
  auto all = store->count_all();
  ASSERT_TRUE(all.is_ok());
  EXPECT_EQ(*all, 5);
  auto first = store->scan(0, 3);
  ASSERT_TRUE(first.is_ok());
  ASSERT_EQ(first->size(), 3u);
  auto rest = store->scan(first->back().id, 100);
  ASSERT_TRUE(rest.is_ok());
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_LT((*first)[0].id, (*first)[1].id);
  EXPECT_LT(first->back().id, rest->front().id);

  StoredKeypair given = key("w", "restored");
  given.id = 1000;
  given.created_at = "2020-01-02T03:04:05.000006";
  StoredKeypair fresh = key("w", "fresh");  // id 0: a new one
  fresh.created_at = "2021-01-01T00:00:00.000000";
  StoredKeypair taken_name = key("u0", "k0");
  taken_name.created_at = given.created_at;
  StoredKeypair taken_id = key("w", "other");
  taken_id.id = 1000;
  taken_id.created_at = given.created_at;
  auto outcomes = store->restore({given, fresh, taken_name, taken_id});
  ASSERT_TRUE(outcomes.is_ok());
  ASSERT_EQ(outcomes->size(), 4u);
  EXPECT_TRUE((*outcomes)[0].is_ok());
  EXPECT_TRUE((*outcomes)[1].is_ok());
  EXPECT_EQ(kind_of((*outcomes)[2]), ErrorKind::conflict);
  EXPECT_EQ(kind_of((*outcomes)[3]), ErrorKind::conflict);
  auto back = store->get("w", "restored");
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->id, 1000);
  // Nova's created_at is a DATETIME: whole seconds.
  EXPECT_EQ(back->created_at,
            GetParam().nova_table ? "2020-01-02T03:04:05.000000" : "2020-01-02T03:04:05.000006");
  EXPECT_EQ(kind_of(store->get("w", "other")), ErrorKind::not_found);
  // New ids come after every restored one.
  EXPECT_GT(store->get("w", "fresh")->id, 0);
  EXPECT_GT(store->create(key("w", "later"), -1)->id, 1000);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreTest, ::testing::Values(kSqlite), backend_name);
INSTANTIATE_TEST_SUITE_P(Postgres, StoreTest, ::testing::Values(kPostgres), backend_name);
INSTANTIATE_TEST_SUITE_P(Mariadb, StoreTest, ::testing::Values(kMariadb), backend_name);
INSTANTIATE_TEST_SUITE_P(MariadbNova, StoreTest, ::testing::Values(kMariadbNova), backend_name);
INSTANTIATE_TEST_SUITE_P(Memory, StoreTest, ::testing::Values(kMemory), backend_name);

// ------------------------------------------------------------------------------ SQLite only

TEST(SqliteStore, FileIsPrivateAndReadsDoNotBlock) {
  auto dir = std::filesystem::temp_directory_path() /
             ("keypaird-store-test-" + std::to_string(::getpid()) + "-private");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string path = (dir / "store.sqlite").string();
  {
    SqliteKeypairStore store(path);
    EXPECT_EQ(store.threading(), KeypairStore::Threading::inline_reads_queued_writes);
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::filesystem::remove_all(dir);
}

// --------------------------------------------------------------------------- PostgreSQL only

class PostgresStore : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!postgres_url()) GTEST_SKIP() << "KEYPAIRD_TEST_POSTGRES_URL is not set";
    wipe_postgres();
  }
};

TEST_F(PostgresStore, NodesStartingTogetherMigrateOnce) {
  std::atomic<int> opened{0};
  std::vector<std::thread> nodes;
  for (int i = 0; i < 8; ++i)
    nodes.emplace_back([&] {
      try {
        PostgresKeypairStore store(postgres_options());
        EXPECT_EQ(store.threading(), KeypairStore::Threading::blocking_calls);
        ++opened;
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    });
  for (auto& t : nodes) t.join();
  EXPECT_EQ(opened.load(), 8);
  Psql psql;
  EXPECT_EQ(psql.exec("SELECT count(*) FROM keypaird_schema_version"), "1");
  EXPECT_EQ(psql.exec("SELECT max(version) FROM keypaird_schema_version"),
            std::to_string(PostgresKeypairStore::kSchemaVersion));
}

TEST_F(PostgresStore, RefusesANewerSchema) {
  { PostgresKeypairStore store(postgres_options()); }
  Psql psql;
  psql.exec("INSERT INTO keypaird_schema_version VALUES (99)");
  EXPECT_THROW(PostgresKeypairStore store(postgres_options()), std::runtime_error);
}

TEST_F(PostgresStore, UnreachableServerIsAClearErrorWithoutThePassword) {
  PostgresOptions options;
  options.url = "postgresql://someone:sekrit@127.0.0.1:1/db";
  options.migration_timeout = 2000ms;
  try {
    PostgresKeypairStore store(options);
    FAIL() << "connected to port 1";
  } catch (const std::runtime_error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("someone:***@127.0.0.1:1/db"), std::string::npos) << message;
    EXPECT_EQ(message.find("sekrit"), std::string::npos) << message;
  }
}

TEST_F(PostgresStore, QuotaHoldsAcrossNodes) {
  PostgresKeypairStore node_a(postgres_options()), node_b(postgres_options());
  std::atomic<int> created{0}, duplicates{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 40; ++i)
    threads.emplace_back([&, i] {
      auto& node = i % 2 ? node_a : node_b;
      if (node.create(key("q", "n" + std::to_string(i)), 10).is_ok()) ++created;
      if (kind_of(node.create(key("d", "same"), -1)) == ErrorKind::conflict) ++duplicates;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 10);
  EXPECT_EQ(duplicates.load(), 39);
  auto count = node_a.count("q");
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, 10);
}

// A create stuck behind another session's lock gives up at the deadline, and meanwhile the
// other connections of the pool keep serving; once the lock is gone everything works again.
TEST_F(PostgresStore, SlowCallsGiveUpAtTheDeadlineWithoutStallingOthers) {
  PostgresKeypairStore store(postgres_options(700ms));
  ASSERT_TRUE(store.create(key("free", "k"), -1).is_ok());
  Psql blocker;
  blocker.exec("BEGIN");
  blocker.exec("SELECT pg_advisory_xact_lock(27504, hashtext('stuck'))");  // the user's lock

  std::atomic<bool> stuck_done{false};
  std::chrono::steady_clock::duration stuck_took{};
  Result<StoredKeypair> stuck_outcome;
  std::thread stuck([&] {
    auto start = std::chrono::steady_clock::now();
    stuck_outcome = store.create(key("stuck", "k"), -1);
    stuck_took = std::chrono::steady_clock::now() - start;
    stuck_done = true;
  });
  std::this_thread::sleep_for(100ms);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(store.get("free", "k").is_ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms);
  stuck.join();
  EXPECT_EQ(kind_of(stuck_outcome), ErrorKind::unavailable);
  EXPECT_GE(stuck_took, 600ms);
  EXPECT_LT(stuck_took, 1500ms);

  blocker.exec("COMMIT");
  EXPECT_TRUE(store.create(key("stuck", "k"), -1).is_ok());
  EXPECT_TRUE(store.get("stuck", "k").is_ok());
}

// A connection killed on the server side (as a restart does) is replaced without the caller
// noticing: the pool finds it dead and opens a fresh one.
TEST_F(PostgresStore, ReconnectsAfterItsConnectionsAreKilled) {
  PostgresKeypairStore store(postgres_options());
  ASSERT_TRUE(store.create(key("u", "before"), -1).is_ok());
  Psql admin;
  admin.exec(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
      " WHERE application_name = 'keypaird' AND pid <> pg_backend_pid()");
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(store.get("u", "before").is_ok());
  EXPECT_TRUE(store.create(key("u", "after"), -1).is_ok());
}

// ------------------------------------------------------------------------------ MariaDB only

TEST(MariadbUrl, NovaConfForms) {
  auto e = parse_mariadb_url("mysql+pymysql://nova:s%40cret@db.example:3307/nova_api?charset=utf8");
  ASSERT_TRUE(e.is_ok()) << e.status().message();
  EXPECT_EQ(e->user, "nova");
  EXPECT_EQ(e->password, "s@cret");
  EXPECT_EQ(e->host, "db.example");
  EXPECT_EQ(e->port, 3307u);
  EXPECT_EQ(e->database, "nova_api");
  EXPECT_TRUE(e->ignored.empty());
  EXPECT_FALSE(e->ssl);

  e = parse_mariadb_url("mysql://u:p@localhost/kp?unix_socket=/run/mysqld/mysqld.sock&x=1");
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->unix_socket, "/run/mysqld/mysqld.sock");
  EXPECT_EQ(e->port, 0u);
  EXPECT_EQ(e->ignored, std::vector<std::string>{"x"});

  e = parse_mariadb_url("mariadb://u:p@[::1]:3306/kp?ssl_ca=/etc/ca.pem&ssl_verify_cert=true");
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->host, "::1");
  EXPECT_TRUE(e->ssl);
  EXPECT_TRUE(e->ssl_verify_cert);
  EXPECT_EQ(e->ssl_ca, "/etc/ca.pem");

  // A socket without a host, and devstack's extra parameter (ignored, with a warning).
  e = parse_mariadb_url("mysql+pymysql://u:p@/kp?unix_socket=/s&charset=utf8&plugin=dbcounter");
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->host, "");
  EXPECT_EQ(e->unix_socket, "/s");
  EXPECT_EQ(e->ignored, std::vector<std::string>{"plugin"});

  EXPECT_TRUE(is_mariadb_url("MySQL+mysqldb://u@h/d"));
  EXPECT_FALSE(is_mariadb_url("postgresql://u@h/d"));
  EXPECT_FALSE(parse_mariadb_url("mysql://u:p@host").is_ok());  // no database
  EXPECT_FALSE(parse_mariadb_url("mysql://u:p@host:x/db").is_ok());
}

class MariadbStore : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!mariadb_url()) GTEST_SKIP() << "KEYPAIRD_TEST_MARIADB_URL is not set";
    wipe_mariadb();
  }
};

TEST_F(MariadbStore, NodesStartingTogetherMigrateOnce) {
  std::atomic<int> opened{0};
  std::vector<std::thread> nodes;
  for (int i = 0; i < 8; ++i)
    nodes.emplace_back([&] {
      try {
        MariadbKeypairStore store(mariadb_options());
        EXPECT_EQ(store.threading(), KeypairStore::Threading::blocking_calls);
        ++opened;
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    });
  for (auto& t : nodes) t.join();
  EXPECT_EQ(opened.load(), 8);
  MariadbClient client;
  EXPECT_EQ(client.exec("SELECT COUNT(*) FROM keypaird_schema_version"), "1");
  EXPECT_EQ(client.exec("SELECT MAX(version) FROM keypaird_schema_version"),
            std::to_string(MariadbKeypairStore::kSchemaVersion));
}

TEST_F(MariadbStore, RefusesANewerSchemaAndATableItDidNotCreate) {
  { MariadbKeypairStore store(mariadb_options()); }
  MariadbClient client;
  client.exec("INSERT INTO keypaird_schema_version VALUES (99)");
  EXPECT_THROW(MariadbKeypairStore store(mariadb_options()), std::runtime_error);
  wipe_mariadb();
  client.exec("CREATE TABLE key_pairs (id INT PRIMARY KEY, name VARCHAR(255))");
  try {
    MariadbKeypairStore store(mariadb_options());
    FAIL() << "used a key_pairs table it did not create";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("did not create"), std::string::npos) << e.what();
  }
}

TEST_F(MariadbStore, UnreachableServerIsAClearErrorWithoutThePassword) {
  MariadbOptions options;
  options.url = "mysql+pymysql://someone:sekrit@127.0.0.1:1/db?charset=utf8";
  options.migration_timeout = 2000ms;
  try {
    MariadbKeypairStore store(options);
    FAIL() << "connected to port 1";
  } catch (const std::runtime_error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("someone:***@127.0.0.1:1/db"), std::string::npos) << message;
    EXPECT_EQ(message.find("sekrit"), std::string::npos) << message;
  }
}

// Bytes in, the same bytes out: NUL, invalid UTF-8, four-byte characters, trailing spaces (which
// a PAD SPACE collation would equate), case (which a _ci collation would), in every column.
TEST_F(MariadbStore, KeepsEveryByteAndComparesBytes) {
  MariadbKeypairStore store(mariadb_options());
  const std::string odd_user("u\0\xff\xfe x", 6);
  const std::string emoji = "\xf0\x9f\x94\x91 key";
  for (const std::string& name : {emoji, std::string("a"), std::string("a "), std::string("A")}) {
    StoredKeypair k = key(odd_user, name);
    k.public_key = std::string("ssh-ed25519 AAAA\0nul \xf0\x9f\x94\x91", 25);
    k.public_key += std::string(70000 - k.public_key.size(), 'x');  // longer than a BLOB's 64 KiB
    ASSERT_TRUE(store.create(k, -1).is_ok()) << name;
  }
  auto listed = store.list(odd_user, std::nullopt, std::nullopt);
  ASSERT_TRUE(listed.is_ok());
  EXPECT_EQ(names_of(*listed), (std::vector<std::string>{"A", "a", "a ", emoji}));
  auto got = store.get(odd_user, "a ");
  ASSERT_TRUE(got.is_ok());
  EXPECT_EQ(got->user_id, odd_user);
  EXPECT_EQ(got->public_key.size(), 70000u);
  EXPECT_EQ(got->public_key.substr(0, 25),
            std::string("ssh-ed25519 AAAA\0nul \xf0\x9f\x94\x91", 25));
  EXPECT_EQ(kind_of(store.get("u", "a")), ErrorKind::not_found);
  EXPECT_EQ(kind_of(store.get(odd_user.substr(0, 1), "a")), ErrorKind::not_found);
  // User ids too long for the column: never stored, never found, no 5xx.
  const std::string long_user(MariadbKeypairStore::kMaxUserIdBytes + 1, 'u');
  EXPECT_EQ(kind_of(store.create(key(long_user, "k"), -1)), ErrorKind::invalid_input);
  EXPECT_EQ(kind_of(store.get(long_user, "k")), ErrorKind::not_found);
  EXPECT_EQ(*store.count(long_user), 0);
}

TEST_F(MariadbStore, QuotaHoldsAcrossNodes) {
  MariadbKeypairStore node_a(mariadb_options()), node_b(mariadb_options());
  std::atomic<int> created{0}, duplicates{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 40; ++i)
    threads.emplace_back([&, i] {
      auto& node = i % 2 ? node_a : node_b;
      if (node.create(key("q", "n" + std::to_string(i)), 10).is_ok()) ++created;
      if (kind_of(node.create(key("d", "same"), -1)) == ErrorKind::conflict) ++duplicates;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 10);
  EXPECT_EQ(duplicates.load(), 39);
  auto count = node_a.count("q");
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, 10);
}

// A create stuck behind another session's lock gives up at the deadline, and meanwhile the
// other connections of the pool keep serving; once the lock is gone everything works again.
TEST_F(MariadbStore, SlowCallsGiveUpAtTheDeadlineWithoutStallingOthers) {
  MariadbKeypairStore store(mariadb_options(700ms));
  ASSERT_TRUE(store.create(key("free", "k"), -1).is_ok());
  ASSERT_TRUE(store.create(key("stuck", "first"), -1).is_ok());
  MariadbClient blocker;
  blocker.exec("START TRANSACTION");
  blocker.exec("SELECT creates FROM keypaird_users WHERE user_id = 'stuck' FOR UPDATE");

  Result<StoredKeypair> stuck_outcome;
  std::chrono::steady_clock::duration stuck_took{};
  std::thread stuck([&] {
    auto start = std::chrono::steady_clock::now();
    stuck_outcome = store.create(key("stuck", "k"), -1);
    stuck_took = std::chrono::steady_clock::now() - start;
  });
  std::this_thread::sleep_for(100ms);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(store.get("free", "k").is_ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms);
  stuck.join();
  EXPECT_EQ(kind_of(stuck_outcome), ErrorKind::unavailable);
  EXPECT_GE(stuck_took, 600ms);
  EXPECT_LT(stuck_took, 1500ms);

  blocker.exec("COMMIT");
  EXPECT_TRUE(store.create(key("stuck", "k"), -1).is_ok());
  EXPECT_TRUE(store.get("stuck", "k").is_ok());
}

// Deadlocks are retried without the caller noticing. Another session inserts the name a create
// is about to insert, so the create waits; then that session wants the user's row the create
// holds. InnoDB breaks the cycle by rolling back the lighter transaction (the create: the other
// has written many rows), and the store runs the create again once the other session is done.
TEST_F(MariadbStore, DeadlocksAreRetried) {
  MariadbKeypairStore store(mariadb_options());
  ASSERT_TRUE(store.create(key("x", "first"), -1).is_ok());
  MariadbClient other;
  const auto deadlocks_before =
      std::stoll(other.exec("SELECT variable_value FROM information_schema.global_status"
                            " WHERE variable_name = 'INNODB_DEADLOCKS'"));
  other.exec("START TRANSACTION");
  std::string bulk = "INSERT INTO key_pairs (user_id, name, type, created_at) VALUES ";
  for (int i = 0; i < 50; ++i)
    bulk += (i ? "," : "") + std::string("('bulk', 'b") + std::to_string(i) + "', 'ssh', NOW(6))";
  other.exec(bulk);
  other.exec(
      "INSERT INTO key_pairs (user_id, name, type, created_at) VALUES ('x', 'zz', 'ssh',"
      " NOW(6))");
  Result<StoredKeypair> created;
  std::thread creator([&] { created = store.create(key("x", "zz"), -1); });
  std::this_thread::sleep_for(300ms);  // the create now waits for the other's 'zz'
  EXPECT_TRUE(
      other.try_exec("UPDATE keypaird_users SET creates = creates + 1 WHERE user_id = 'x'"));
  other.exec("ROLLBACK");
  creator.join();
  EXPECT_TRUE(created.is_ok()) << created.status().message();
  EXPECT_GT(std::stoll(other.exec("SELECT variable_value FROM information_schema.global_status"
                                  " WHERE variable_name = 'INNODB_DEADLOCKS'")),
            deadlocks_before);
}

// A connection killed on the server side (as a restart does) is replaced without the caller
// noticing: the pool finds it dead and opens a fresh one.
TEST_F(MariadbStore, ReconnectsAfterItsConnectionsAreKilled) {
  MariadbKeypairStore store(mariadb_options());
  ASSERT_TRUE(store.create(key("u", "before"), -1).is_ok());
  MariadbClient admin;
  std::string ids = admin.exec(
      "SELECT GROUP_CONCAT(id) FROM information_schema.processlist"
      " WHERE user = 'keypaird' AND id <> CONNECTION_ID()");
  std::stringstream list(ids);
  for (std::string id; std::getline(list, id, ',');) admin.exec("KILL CONNECTION " + id);
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(store.get("u", "before").is_ok());
  EXPECT_TRUE(store.create(key("u", "after"), -1).is_ok());
}

// ------------------------------------------------------------- MariaDB, Nova's key_pairs only

TEST(StoreFactory, NovaSchemaNeedsMariadb) {
  StoreOptions options;
  options.nova_api_schema = true;
  for (const char* url : {"sqlite:////tmp/keypaird-never-created.sqlite", "postgresql://u@h/db"}) {
    auto opened = open_keypair_store(url, options);
    ASSERT_FALSE(opened.is_ok()) << url;
    EXPECT_EQ(opened.status().kind(), ErrorKind::invalid_input);
    EXPECT_NE(opened.status().message().find("schema = nova_api"), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists("/tmp/keypaird-never-created.sqlite"));
}

class MariadbNovaStore : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!mariadb_url()) GTEST_SKIP() << "KEYPAIRD_TEST_MARIADB_URL is not set";
    make_nova_table();
  }
};

// As nova-api on that table: one name whatever its case (utf8mb3_general_ci), a show or delete
// of another case finds the stored row, the list in the collation's order, whole seconds.
TEST_F(MariadbNovaStore, NamesAsNovaComparesThem) {
  MariadbKeypairStore store(mariadb_nova_options());
  EXPECT_EQ(store.name_collation(), "utf8mb3_general_ci");
  auto created = store.create(key("u", "Key1"), -1);
  ASSERT_TRUE(created.is_ok());
  EXPECT_EQ(created->created_at.substr(19), ".000000");
  EXPECT_EQ(kind_of(store.create(key("u", "key1"), -1)), ErrorKind::conflict);
  auto shown = store.get("u", "KEY1");
  ASSERT_TRUE(shown.is_ok());
  EXPECT_EQ(shown->name, "Key1");
  EXPECT_EQ(shown->created_at, created->created_at);
  EXPECT_EQ(shown->id, created->id);
  for (const char* name : {"b", "A", "\xc3\xa9t\xc3\xa9", "C"})
    ASSERT_TRUE(store.create(key("u", name), -1).is_ok()) << name;
  auto listed = store.list("u", std::nullopt, std::nullopt);
  ASSERT_TRUE(listed.is_ok());
  EXPECT_EQ(names_of(*listed),
            (std::vector<std::string>{"A", "b", "C", "\xc3\xa9t\xc3\xa9", "Key1"}));
  listed = store.list("u", std::string("B"), 2);
  ASSERT_TRUE(listed.is_ok());
  EXPECT_EQ(names_of(*listed), (std::vector<std::string>{"C", "\xc3\xa9t\xc3\xa9"}));
  EXPECT_TRUE(store.remove("u", "kEy1").is_ok());
  EXPECT_EQ(kind_of(store.get("u", "Key1")), ErrorKind::not_found);
  MariadbClient client;
  EXPECT_EQ(client.exec("SELECT COUNT(*) FROM key_pairs WHERE updated_at IS NULL"), "4");
  EXPECT_EQ(client.exec("SELECT MICROSECOND(created_at) FROM key_pairs LIMIT 1"), "0");
  // A name longer than Nova's column holds is refused before the database sees it.
  EXPECT_EQ(kind_of(store.create(key("u", std::string(256, 'n')), -1)), ErrorKind::invalid_input);
  EXPECT_TRUE(store.create(key("u", std::string(255, 'n')), -1).is_ok());
}

// Rows nova-api wrote (inserted here as it inserts them) read back as nova-api shows them.
TEST_F(MariadbNovaStore, ReadsRowsNovaWrote) {
  MariadbClient client;
  client.exec(
      "INSERT INTO key_pairs (created_at, updated_at, name, user_id, fingerprint, public_key,"
      " type) VALUES ('2024-05-06 07:08:09', NULL, 'nova key', 'user', 'aa:bb', 'ssh-rsa AAAA',"
      " 'x509')");
  MariadbKeypairStore store(mariadb_nova_options());
  auto got = store.get("USER", "Nova Key");
  ASSERT_TRUE(got.is_ok());
  EXPECT_EQ(got->name, "nova key");
  EXPECT_EQ(got->type, "x509");
  EXPECT_EQ(got->fingerprint, "aa:bb");
  EXPECT_EQ(got->public_key, "ssh-rsa AAAA");
  EXPECT_EQ(got->created_at, "2024-05-06T07:08:09.000000");
  auto count = store.count_all();
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, 1);
}

// Never creates or alters anything in Nova's database; refuses to start, saying what is wrong,
// when the table is missing or not Nova's.
TEST_F(MariadbNovaStore, RefusesAMissingOrDifferentTableAndCreatesNothing) {
  auto refusal = [] {
    try {
      MariadbKeypairStore store(mariadb_nova_options());
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("started");
  };
  wipe_mariadb();
  std::string why = refusal();
  EXPECT_NE(why.find("no key_pairs table"), std::string::npos) << why;
  EXPECT_NE(why.find("nova-manage api_db sync"), std::string::npos) << why;
  EXPECT_EQ(why.find("kp-test-secret"), std::string::npos) << why;
  MariadbClient client;
  EXPECT_EQ(client.exec("SELECT COUNT(*) FROM information_schema.tables"
                        " WHERE table_schema = DATABASE()"),
            "0");
  // keypaird's own schema is not Nova's either.
  { MariadbKeypairStore own(mariadb_options()); }
  why = refusal();
  EXPECT_NE(why.find("key_pairs.name is varbinary"), std::string::npos) << why;
  make_nova_table();
  client.exec("ALTER TABLE key_pairs DROP COLUMN type");
  why = refusal();
  EXPECT_NE(why.find("no column type"), std::string::npos) << why;
  make_nova_table();
  client.exec("ALTER TABLE key_pairs DROP INDEX uniq_key_pairs0user_id0name");
  why = refusal();
  EXPECT_NE(why.find("unique key"), std::string::npos) << why;
  EXPECT_EQ(client.exec("SELECT COUNT(*) FROM information_schema.tables"
                        " WHERE table_schema = DATABASE()"),
            "1");
}
