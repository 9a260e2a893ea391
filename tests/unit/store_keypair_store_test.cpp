// The store contract, run against every KeypairStore on a real database: SQLite on a temporary
// file, and PostgreSQL when KEYPAIRD_TEST_POSTGRES_URL names a database it may wipe (CTest's
// store.postgres test starts a throwaway server and sets it). Ordering, uniqueness, quota,
// durability across reopen; then what only one of them has (file mode, several nodes, timeouts).
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <thread>

#include "store/postgres_keypair_store.h"
#include "store/sqlite_keypair_store.h"

using namespace keypaird::store;
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

struct Backend {
  std::string name;
  // Prepares an empty database; returns why the backend cannot run here, or "".
  std::function<std::string(const std::filesystem::path& dir)> set_up;
  // Opens a store on that database (again and again, like restarts or extra nodes).
  std::function<std::unique_ptr<KeypairStore>(const std::filesystem::path& dir)> open;
};

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) { return info.param.name; }
void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

const Backend kSqlite{
    "Sqlite", [](const std::filesystem::path&) { return std::string(); },
    [](const std::filesystem::path& dir) -> std::unique_ptr<KeypairStore> {
      return std::make_unique<SqliteKeypairStore>((dir / "store.sqlite").string());
    }};

const Backend kPostgres{"Postgres",
                        [](const std::filesystem::path&) {
                          if (!postgres_url())
                            return std::string("KEYPAIRD_TEST_POSTGRES_URL is not set");
                          wipe_postgres();
                          return std::string();
                        },
                        [](const std::filesystem::path&) -> std::unique_ptr<KeypairStore> {
                          return std::make_unique<PostgresKeypairStore>(postgres_options());
                        }};

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
  std::unique_ptr<KeypairStore> open() { return GetParam().open(dir_); }

  std::filesystem::path dir_;
};

}  // namespace

TEST_P(StoreTest, CreateGetListRemove) {
  auto store = open();
  for (const char* name : {"b", "B", "a", "a b", "\xc3\xa9", "Z"}) {
    auto out = store->create(key("u", name), -1);
    ASSERT_EQ(out.status, StoreStatus::ok) << name;
    EXPECT_GT(out.keypair.id, 0);
    EXPECT_EQ(out.keypair.created_at.size(), 26u);
  }
  std::vector<StoredKeypair> listed;
  ASSERT_EQ(store->list("u", std::nullopt, std::nullopt, listed), StoreStatus::ok);
  std::vector<std::string> names;
  for (auto& k : listed) names.push_back(k.name);
  // Byte order, whatever the database's collation says.
  EXPECT_EQ(names, (std::vector<std::string>{"B", "Z", "a", "a b", "b", "\xc3\xa9"}));

  listed.clear();
  ASSERT_EQ(store->list("u", std::string("a"), 2, listed), StoreStatus::ok);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].name, "a b");
  EXPECT_EQ(listed[1].name, "b");
  listed.clear();
  ASSERT_EQ(store->list("u", std::nullopt, 0, listed), StoreStatus::ok);
  EXPECT_TRUE(listed.empty());

  StoredKeypair got;
  EXPECT_EQ(store->get("u", "A", got), StoreStatus::not_found);  // case-sensitive
  ASSERT_EQ(store->get("u", "B", got), StoreStatus::ok);
  EXPECT_EQ(got.user_id, "u");
  EXPECT_EQ(got.fingerprint, "fp");
  EXPECT_EQ(got.public_key, "pk");
  EXPECT_EQ(got.type, "ssh");
  EXPECT_EQ(got.created_at.size(), 26u);
  EXPECT_EQ(got.created_at[10], 'T');
  EXPECT_EQ(store->remove("u", "B"), StoreStatus::ok);
  EXPECT_EQ(store->remove("u", "B"), StoreStatus::not_found);
  EXPECT_EQ(store->get("other", "a", got), StoreStatus::not_found);
  std::int64_t count = -1;
  ASSERT_EQ(store->count("u", count), StoreStatus::ok);
  EXPECT_EQ(count, 5);
}

TEST_P(StoreTest, CreatedAtReadsBackAsWritten) {
  auto store = open();
  auto out = store->create(key("u", "k"), -1);
  ASSERT_EQ(out.status, StoreStatus::ok);
  StoredKeypair got;
  ASSERT_EQ(store->get("u", "k", got), StoreStatus::ok);
  EXPECT_EQ(got.created_at, out.keypair.created_at);
  EXPECT_EQ(got.id, out.keypair.id);
}

TEST_P(StoreTest, NamesWithNulNeverExist) {
  auto store = open();
  const std::string nul("a\0b", 3);
  StoredKeypair got;
  EXPECT_EQ(store->get("u", nul, got), StoreStatus::not_found);
  EXPECT_EQ(store->remove("u", nul), StoreStatus::not_found);
}

TEST_P(StoreTest, DuplicatesAndQuotaAreCheckedAtomically) {
  auto store = open();
  EXPECT_EQ(store->create(key("u", "k"), 5).status, StoreStatus::ok);
  EXPECT_EQ(store->create(key("u", "k"), 5).status, StoreStatus::duplicate);
  EXPECT_EQ(store->create(key("v", "k"), 5).status, StoreStatus::ok);
  EXPECT_EQ(store->create(key("u", "k"), 1).status, StoreStatus::quota_exceeded);  // quota first

  // 40 concurrent creates of distinct names against a quota of 10: exactly 10 succeed.
  std::atomic<int> created{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 40; ++i) {
    threads.emplace_back([&, i] {
      auto s = store->create(key("q", "n" + std::to_string(i)), 10).status;
      (s == StoreStatus::ok ? created : refused)++;
      EXPECT_TRUE(s == StoreStatus::ok || s == StoreStatus::quota_exceeded);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 10);
  EXPECT_EQ(refused.load(), 30);
  std::int64_t count = 0;
  ASSERT_EQ(store->count("q", count), StoreStatus::ok);
  EXPECT_EQ(count, 10);
}

TEST_P(StoreTest, SurvivesReopenAndNeverReusesIds) {
  std::int64_t id = 0;
  {
    auto store = open();
    id = store->create(key("u", "kept"), -1).keypair.id;
  }
  auto reopened = open();
  StoredKeypair got;
  ASSERT_EQ(reopened->get("u", "kept", got), StoreStatus::ok);
  EXPECT_EQ(got.id, id);
  EXPECT_EQ(reopened->remove("u", "kept"), StoreStatus::ok);
  EXPECT_GT(reopened->create(key("u", "again"), -1).keypair.id, id);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreTest, ::testing::Values(kSqlite), backend_name);
INSTANTIATE_TEST_SUITE_P(Postgres, StoreTest, ::testing::Values(kPostgres), backend_name);

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
      if (node.create(key("q", "n" + std::to_string(i)), 10).status == StoreStatus::ok) ++created;
      if (node.create(key("d", "same"), -1).status == StoreStatus::duplicate) ++duplicates;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 10);
  EXPECT_EQ(duplicates.load(), 39);
  std::int64_t count = 0;
  ASSERT_EQ(node_a.count("q", count), StoreStatus::ok);
  EXPECT_EQ(count, 10);
}

// A create stuck behind another session's lock gives up at the deadline, and meanwhile the
// other connections of the pool keep serving; once the lock is gone everything works again.
TEST_F(PostgresStore, SlowCallsGiveUpAtTheDeadlineWithoutStallingOthers) {
  PostgresKeypairStore store(postgres_options(700ms));
  ASSERT_EQ(store.create(key("free", "k"), -1).status, StoreStatus::ok);
  Psql blocker;
  blocker.exec("BEGIN");
  blocker.exec("SELECT pg_advisory_xact_lock(27504, hashtext('stuck'))");  // the user's lock

  std::atomic<bool> stuck_done{false};
  std::chrono::steady_clock::duration stuck_took{};
  CreateOutcome stuck_outcome;
  std::thread stuck([&] {
    auto start = std::chrono::steady_clock::now();
    stuck_outcome = store.create(key("stuck", "k"), -1);
    stuck_took = std::chrono::steady_clock::now() - start;
    stuck_done = true;
  });
  std::this_thread::sleep_for(100ms);
  StoredKeypair got;
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(store.get("free", "k", got), StoreStatus::ok);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms);
  stuck.join();
  EXPECT_EQ(stuck_outcome.status, StoreStatus::unavailable);
  EXPECT_GE(stuck_took, 600ms);
  EXPECT_LT(stuck_took, 1500ms);

  blocker.exec("COMMIT");
  EXPECT_EQ(store.create(key("stuck", "k"), -1).status, StoreStatus::ok);
  EXPECT_EQ(store.get("stuck", "k", got), StoreStatus::ok);
}

// A connection killed on the server side (as a restart does) is replaced without the caller
// noticing: the pool finds it dead and opens a fresh one.
TEST_F(PostgresStore, ReconnectsAfterItsConnectionsAreKilled) {
  PostgresKeypairStore store(postgres_options());
  ASSERT_EQ(store.create(key("u", "before"), -1).status, StoreStatus::ok);
  Psql admin;
  admin.exec(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
      " WHERE application_name = 'keypaird' AND pid <> pg_backend_pid()");
  std::this_thread::sleep_for(100ms);
  StoredKeypair got;
  EXPECT_EQ(store.get("u", "before", got), StoreStatus::ok);
  EXPECT_EQ(store.create(key("u", "after"), -1).status, StoreStatus::ok);
}
