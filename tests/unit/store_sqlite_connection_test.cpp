// SqliteConnection and friends: the store's pragmas, statements reused after a binding resets
// them, NULL columns, the key_pairs row mapping, failures as Status, and read-only opens that
// change nothing.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "store/sqlite_connection.h"

using namespace keypaird::store;

using keypaird::ErrorKind;
using keypaird::Status;

namespace {

// `sql`'s prepared statement on `c`; the test fails (bad_variant_access) when there is none.
SqliteStatement& prepared(SqliteConnection& c, const std::string& sql) {
  auto statement = c.statement(sql);
  EXPECT_TRUE(statement.is_ok()) << statement.status().message();
  return **statement;
}

void run(SqliteConnection& c, const char* sql) {
  Status done = c.exec(sql);
  ASSERT_TRUE(done.is_ok()) << done.message();
}

class SqliteConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("keypaird-connection-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "db.sqlite").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A store connection to path_ (null, and the test failed, when it cannot be opened).
  std::unique_ptr<SqliteConnection> connect() {
    auto opened = SqliteConnection::open(path_);
    EXPECT_TRUE(opened.is_ok()) << opened.status().message();
    return opened.is_ok() ? std::move(opened).value() : nullptr;
  }

  // A key_pairs table shaped like the store's, with one full row and one of NULLs.
  void create_rows() {
    auto connection = connect();
    ASSERT_TRUE(connection);
    SqliteConnection& c = *connection;
    run(c,
        "CREATE TABLE key_pairs (id INTEGER PRIMARY KEY, user_id TEXT, name TEXT,"
        " fingerprint TEXT, public_key TEXT, type TEXT, created_at TEXT)");
    run(c,
        "INSERT INTO key_pairs VALUES (7, 'u', 'k', 'fp', 'ssh-ed25519 AAAA', 'ssh',"
        " '2001-02-03T04:05:06.000007')");
    run(c, "INSERT INTO key_pairs (id) VALUES (8)");
  }

  std::filesystem::path dir_;
  std::string path_;
};

}  // namespace

TEST_F(SqliteConnectionTest, StoreConnectionsUseWalAndForeignKeys) {
  auto connection = connect();
  ASSERT_TRUE(connection);
  SqliteConnection& c = *connection;
  SqliteBinding journal(prepared(c, "PRAGMA journal_mode"));
  ASSERT_EQ(journal.step(), SQLITE_ROW);
  EXPECT_EQ(journal.column_text(0), "wal");
  SqliteBinding keys(prepared(c, "PRAGMA foreign_keys"));
  ASSERT_EQ(keys.step(), SQLITE_ROW);
  EXPECT_EQ(keys.column_int(0), 1);
}

TEST_F(SqliteConnectionTest, FailuresAreUnavailableWithTheReason) {
  auto missing = SqliteConnection::open((dir_ / "missing" / "db.sqlite").string());
  ASSERT_FALSE(missing.is_ok());
  EXPECT_TRUE(missing.status().is(ErrorKind::unavailable));
  EXPECT_EQ(missing.status().message().rfind("cannot open database ", 0), 0u)
      << missing.status().message();
  auto connection = connect();
  ASSERT_TRUE(connection);
  SqliteConnection& c = *connection;
  Status malformed = c.exec("CREATE TABLE");
  EXPECT_TRUE(malformed.is(ErrorKind::unavailable));
  EXPECT_NE(malformed.message().find("(in: CREATE TABLE)"), std::string::npos)
      << malformed.message();
  auto unknown = c.statement("SELECT * FROM no_such_table");
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_TRUE(unknown.status().is(ErrorKind::unavailable));
  EXPECT_NE(unknown.status().message().find("no_such_table"), std::string::npos);
  EXPECT_NE(c.error_message().find("no_such_table"), std::string::npos);
}

TEST_F(SqliteConnectionTest, StatementsAreCachedAndResetByTheirBinding) {
  create_rows();
  auto connection = connect();
  ASSERT_TRUE(connection);
  SqliteConnection& c = *connection;
  const std::string sql = "SELECT name FROM key_pairs WHERE id = ?1";
  SqliteStatement& first = prepared(c, sql);
  EXPECT_EQ(&prepared(c, sql), &first);
  {
    SqliteBinding b(first);
    b.integer(1, 7);
    ASSERT_EQ(b.step(), SQLITE_ROW);
    EXPECT_EQ(b.column_text(0), "k");
  }
  // Reset and unbound: ?1 is NULL now, so nothing matches.
  SqliteBinding again(prepared(c, sql));
  EXPECT_EQ(again.step(), SQLITE_DONE);
}

TEST_F(SqliteConnectionTest, ReadsKeypairRowsAndNulls) {
  create_rows();
  auto connection = connect();
  ASSERT_TRUE(connection);
  SqliteConnection& c = *connection;
  SqliteBinding b(
      prepared(c, std::string("SELECT ") + kKeypairColumns + " FROM key_pairs ORDER BY id"));
  ASSERT_EQ(b.step(), SQLITE_ROW);
  StoredKeypair k;
  read_keypair_row(b, k);
  EXPECT_EQ(k.id, 7);
  EXPECT_EQ(k.user_id, "u");
  EXPECT_EQ(k.name, "k");
  EXPECT_EQ(k.fingerprint, "fp");
  EXPECT_EQ(k.public_key, "ssh-ed25519 AAAA");
  EXPECT_EQ(k.type, "ssh");
  EXPECT_EQ(k.created_at, "2001-02-03T04:05:06.000007");
  EXPECT_EQ(b.column_optional_text(kNameColumn), "k");

  ASSERT_EQ(b.step(), SQLITE_ROW);
  read_keypair_row(b, k);
  EXPECT_EQ(k.id, 8);
  EXPECT_EQ(k.name, "");  // NULL reads as empty text
  EXPECT_EQ(b.column_optional_text(kNameColumn), std::nullopt);
  EXPECT_EQ(b.column_optional_text(kCreatedAtColumn), std::nullopt);
  EXPECT_EQ(b.step(), SQLITE_DONE);
}

TEST_F(SqliteConnectionTest, BindsTextIntegersAndNull) {
  auto connection = connect();
  ASSERT_TRUE(connection);
  SqliteConnection& c = *connection;
  run(c, "CREATE TABLE t (a TEXT, b INTEGER)");
  const std::string text = std::string("x\0y", 3);
  {
    SqliteBinding insert(prepared(c, "INSERT INTO t VALUES (?1, ?2)"));
    insert.text(1, text).integer(2, -5);
    ASSERT_EQ(insert.step(), SQLITE_DONE);
  }
  {
    SqliteBinding insert(prepared(c, "INSERT INTO t VALUES (?1, ?2)"));
    insert.null(1).integer(2, 6);
    ASSERT_EQ(insert.step(), SQLITE_DONE);
  }
  SqliteBinding b(prepared(c, "SELECT a, b FROM t ORDER BY b"));
  ASSERT_EQ(b.step(), SQLITE_ROW);
  EXPECT_EQ(b.column_text(0), text);  // embedded NUL kept
  EXPECT_EQ(b.column_int(1), -5);
  ASSERT_EQ(b.step(), SQLITE_ROW);
  EXPECT_EQ(b.column_optional_text(0), std::nullopt);
  EXPECT_EQ(b.column_int(1), 6);
}

TEST_F(SqliteConnectionTest, ReadOnlyOpensReadAndChangeNothing) {
  auto missing = SqliteConnection::open_read_only(path_);  // not created
  ASSERT_FALSE(missing.is_ok());
  EXPECT_TRUE(missing.status().is(keypaird::ErrorKind::unavailable));
  EXPECT_FALSE(missing.status().message().empty());
  EXPECT_FALSE(std::filesystem::exists(path_));

  create_rows();
  auto opened = SqliteConnection::open_read_only(path_);
  ASSERT_TRUE(opened.is_ok()) << opened.status().message();
  auto& c = *opened;
  SqliteBinding count(prepared(*c, "SELECT count(*) FROM key_pairs"));
  ASSERT_EQ(count.step(), SQLITE_ROW);
  EXPECT_EQ(count.column_int(0), 2);
  EXPECT_TRUE(c->exec("DELETE FROM key_pairs").is(ErrorKind::unavailable));
}
