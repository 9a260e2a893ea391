// SqliteKeypairStore's operations for keypaird-manage and /healthcheck: restore keeps every
// field, scan walks ids, healthy() notices a vanished file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/sqlite_keypair_store.h"

using namespace keypaird::store;

namespace {

class SqliteRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("keypaird-restore-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "store.sqlite").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static StoredKeypair row(std::int64_t id, const std::string& name) {
    StoredKeypair k;
    k.id = id;
    k.user_id = "u";
    k.name = name;
    k.fingerprint = "fp" + name;
    k.public_key = "pk" + name;
    k.type = "x509";
    k.created_at = "2001-02-03T04:05:06.000007";
    return k;
  }

  std::filesystem::path dir_;
  std::string path_;
};

}  // namespace

TEST_F(SqliteRestoreTest, RestoreKeepsEveryFieldAndReportsDuplicates) {
  SqliteKeypairStore store(path_);
  auto outcomes =
      store.restore({row(40, "a"), row(7, "b"), row(40, "c"), row(8, "a"), row(0, "d")});
  ASSERT_TRUE(outcomes.is_ok());
  std::vector<bool> ok;
  for (const auto& s : *outcomes) ok.push_back(s.is_ok());
  EXPECT_EQ(ok, (std::vector<bool>{true, true, false, false, true}));
  EXPECT_TRUE((*outcomes)[2].is(keypaird::ErrorKind::conflict));
  EXPECT_TRUE((*outcomes)[3].is(keypaird::ErrorKind::conflict));
  auto k = store.get("u", "a");
  ASSERT_TRUE(k.is_ok());
  EXPECT_EQ(k->id, 40);
  EXPECT_EQ(k->type, "x509");
  EXPECT_EQ(k->created_at, "2001-02-03T04:05:06.000007");
  k = store.get("u", "d");
  ASSERT_TRUE(k.is_ok());
  EXPECT_EQ(k->id, 41);  // after the largest restored id

  auto scanned = store.scan(0, 2);
  ASSERT_TRUE(scanned.is_ok());
  ASSERT_EQ(scanned->size(), 2u);
  EXPECT_EQ((*scanned)[0].id, 7);
  EXPECT_EQ((*scanned)[1].id, 40);
  scanned = store.scan(40, 10);
  ASSERT_TRUE(scanned.is_ok());
  ASSERT_EQ(scanned->size(), 1u);
  auto n = store.count_all();
  ASSERT_TRUE(n.is_ok());
  EXPECT_EQ(*n, 3);
}

TEST_F(SqliteRestoreTest, HealthyUntilTheFileGoesAway) {
  SqliteKeypairStore store(path_);
  EXPECT_TRUE(store.healthy());
  std::filesystem::rename(path_, path_ + ".moved");
  EXPECT_FALSE(store.healthy());
  std::filesystem::rename(path_ + ".moved", path_);
  EXPECT_TRUE(store.healthy());
}

TEST_F(SqliteRestoreTest, SchemaVersionWithoutMigrating) {
  auto version = SqliteKeypairStore::read_schema_version(path_);
  ASSERT_TRUE(version.is_ok()) << version.status().message();
  EXPECT_EQ(*version, 0);
  EXPECT_FALSE(std::filesystem::exists(path_));
  { SqliteKeypairStore store(path_); }
  version = SqliteKeypairStore::read_schema_version(path_);
  ASSERT_TRUE(version.is_ok()) << version.status().message();
  EXPECT_EQ(*version, SqliteKeypairStore::kSchemaVersion);
}
