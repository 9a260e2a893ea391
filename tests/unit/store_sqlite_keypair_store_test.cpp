// SqliteKeypairStore on a real file: ordering, uniqueness, quota, durability across reopen.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "store/sqlite_keypair_store.h"

using namespace keypaird::store;

namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("keypaird-store-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "store.sqlite").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static StoredKeypair key(const std::string& user, const std::string& name) {
    StoredKeypair k;
    k.user_id = user;
    k.name = name;
    k.fingerprint = "fp";
    k.public_key = "pk";
    k.type = "ssh";
    return k;
  }

  std::filesystem::path dir_;
  std::string path_;
};

}  // namespace

TEST_F(SqliteStoreTest, CreateGetListRemove) {
  SqliteKeypairStore store(path_);
  for (const char* name : {"b", "B", "a", "a b"}) {
    auto out = store.create(key("u", name), -1);
    ASSERT_EQ(out.status, StoreStatus::ok) << name;
    EXPECT_GT(out.keypair.id, 0);
    EXPECT_EQ(out.keypair.created_at.size(), 26u);
  }
  std::vector<StoredKeypair> listed;
  ASSERT_EQ(store.list("u", std::nullopt, std::nullopt, listed), StoreStatus::ok);
  std::vector<std::string> names;
  for (auto& k : listed) names.push_back(k.name);
  EXPECT_EQ(names, (std::vector<std::string>{"B", "a", "a b", "b"}));  // byte order

  listed.clear();
  ASSERT_EQ(store.list("u", std::string("a"), 2, listed), StoreStatus::ok);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].name, "a b");

  StoredKeypair got;
  EXPECT_EQ(store.get("u", "A", got), StoreStatus::not_found);  // case-sensitive
  EXPECT_EQ(store.get("u", "B", got), StoreStatus::ok);
  EXPECT_EQ(store.remove("u", "B"), StoreStatus::ok);
  EXPECT_EQ(store.remove("u", "B"), StoreStatus::not_found);
  EXPECT_EQ(store.get("other", "a", got), StoreStatus::not_found);
}

TEST_F(SqliteStoreTest, DuplicatesAndQuotaAreCheckedAtomically) {
  SqliteKeypairStore store(path_);
  EXPECT_EQ(store.create(key("u", "k"), 5).status, StoreStatus::ok);
  EXPECT_EQ(store.create(key("u", "k"), 5).status, StoreStatus::duplicate);
  EXPECT_EQ(store.create(key("v", "k"), 5).status, StoreStatus::ok);

  // 40 concurrent creates of distinct names against a quota of 10: exactly 10 succeed.
  std::atomic<int> created{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 40; ++i) {
    threads.emplace_back([&, i] {
      auto s = store.create(key("q", "n" + std::to_string(i)), 10).status;
      (s == StoreStatus::ok ? created : refused)++;
      EXPECT_TRUE(s == StoreStatus::ok || s == StoreStatus::quota_exceeded);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 10);
  EXPECT_EQ(refused.load(), 30);
  std::int64_t count = 0;
  ASSERT_EQ(store.count("q", count), StoreStatus::ok);
  EXPECT_EQ(count, 10);
}

TEST_F(SqliteStoreTest, SurvivesReopenAndIsPrivate) {
  std::int64_t id = 0;
  {
    SqliteKeypairStore store(path_);
    id = store.create(key("u", "kept"), -1).keypair.id;
  }
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  SqliteKeypairStore reopened(path_);
  StoredKeypair got;
  ASSERT_EQ(reopened.get("u", "kept", got), StoreStatus::ok);
  EXPECT_EQ(got.id, id);
  // Ids are never reused, even after a delete.
  EXPECT_EQ(reopened.remove("u", "kept"), StoreStatus::ok);
  EXPECT_GT(reopened.create(key("u", "again"), -1).keypair.id, id);
}
