// KeypairService, driven as production drives it (awaited on an io_context, with thread pools),
// over the in-memory store called in each of the three ways stores are called, and over SQLite:
// Nova's order of checks and its messages.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <memory>

#include "keypairs/keypair_service.h"
#include "store/memory_keypair_store.h"
#include "store/sqlite_keypair_store.h"

using namespace keypaird;
namespace asio = boost::asio;
using Threading = store::KeypairStore::Threading;

namespace {

const std::string kEd25519 =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni";

// Runs one service operation to completion on a fresh io_context (a network thread's part).
template <typename T>
T run(asio::awaitable<T> operation) {
  asio::io_context io;
  std::optional<T> out;
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(operation), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) out.emplace(std::move(value));
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*out);
}

enum class Backend { memory_inline, memory_blocking, memory_queued, sqlite };

class KeypairServiceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    switch (GetParam()) {
      case Backend::memory_inline:
        memory_ = std::make_unique<store::MemoryKeypairStore>(Threading::inline_calls);
        break;
      case Backend::memory_blocking:
        memory_ = std::make_unique<store::MemoryKeypairStore>(Threading::blocking_calls);
        break;
      case Backend::memory_queued:
        memory_ =
            std::make_unique<store::MemoryKeypairStore>(Threading::inline_reads_queued_writes);
        break;
      case Backend::sqlite:
        dir_ = std::filesystem::temp_directory_path() /
               ("keypaird-service-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        sqlite_ = std::make_unique<store::SqliteKeypairStore>((dir_ / "s.sqlite").string());
        break;
    }
  }
  void TearDown() override {
    sqlite_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  store::KeypairStore& store() {
    if (memory_) return *memory_;
    return *sqlite_;
  }
  keypairs::KeypairService service(std::int64_t quota) {
    return keypairs::KeypairService(store(), {blocking_, generation_}, quota);
  }
  static keypairs::CreateRequest import(std::string name, std::string key, std::string type = "ssh",
                                        std::string user = "u") {
    return {std::move(user), std::move(name), std::move(type), std::move(key)};
  }
  static keypairs::CreateRequest generate(std::string name, std::string type = "ssh",
                                          std::string user = "u") {
    return {std::move(user), std::move(name), std::move(type), std::nullopt};
  }

  asio::thread_pool blocking_{2};
  asio::thread_pool generation_{1};
  std::unique_ptr<store::MemoryKeypairStore> memory_;
  std::unique_ptr<store::SqliteKeypairStore> sqlite_;
  std::filesystem::path dir_;
};

}  // namespace

TEST_P(KeypairServiceTest, ImportFingerprintsAndStoresVerbatim) {
  auto s = service(5);
  auto created = run(s.create(import("k", kEd25519 + " comment\n")));
  ASSERT_TRUE(created.is_ok());
  EXPECT_EQ(created->keypair.fingerprint, "06:43:93:38:70:b9:22:d6:34:17:a1:c3:97:d0:36:b6");
  EXPECT_EQ(created->keypair.public_key, kEd25519 + " comment\n");
  EXPECT_FALSE(created->private_key);
  auto shown = run(s.get("u", "k"));
  ASSERT_TRUE(shown.is_ok());
  EXPECT_EQ(shown->id, created->keypair.id);
  EXPECT_EQ(shown->created_at, created->keypair.created_at);
}

TEST_P(KeypairServiceTest, QuotaComesBeforeTheKeyAndTheDuplicateCheck) {
  auto s = service(1);
  ASSERT_TRUE(run(s.create(import("k", kEd25519))).is_ok());
  auto bad_key = run(s.create(import("k2", "ssh-rsa garbage")));
  ASSERT_FALSE(bad_key.is_ok());
  EXPECT_EQ(bad_key.status().kind(), ErrorKind::quota_exceeded);
  EXPECT_EQ(bad_key.status().message(), "Quota exceeded, too many key pairs.");
  EXPECT_EQ(run(s.create(import("k", kEd25519))).status().kind(), ErrorKind::quota_exceeded);
  EXPECT_EQ(run(s.create(generate("g"))).status().kind(), ErrorKind::quota_exceeded);
}

TEST_P(KeypairServiceTest, InvalidKeysAndDuplicates) {
  auto s = service(-1);
  auto bad = run(s.create(import("k", "bad key data")));
  EXPECT_EQ(bad.status().kind(), ErrorKind::invalid_input);
  EXPECT_EQ(bad.status().message(), "Keypair data is invalid: failed to generate fingerprint");
  auto bad_cert = run(s.create(import("k", "not a certificate", "x509")));
  EXPECT_EQ(bad_cert.status().message().rfind(
                "Keypair data is invalid: failed to generate X509 fingerprint. Error message: ", 0),
            0u);
  ASSERT_TRUE(run(s.create(import("k", kEd25519))).is_ok());
  auto dup = run(s.create(import("k", kEd25519)));
  EXPECT_EQ(dup.status().kind(), ErrorKind::conflict);
  EXPECT_EQ(dup.status().message(), "Key pair 'k' already exists.");
  // A generation under a taken name is refused the same way, before any key is made.
  auto dup_generated = run(s.create(generate("k")));
  EXPECT_EQ(dup_generated.status().message(), "Key pair 'k' already exists.");
}

TEST_P(KeypairServiceTest, GenerateReturnsThePrivateKeyOnce) {
  auto s = service(-1);
  auto created = run(s.create(generate("g")));
  ASSERT_TRUE(created.is_ok());
  ASSERT_TRUE(created->private_key);
  EXPECT_EQ(created->private_key->rfind("-----BEGIN RSA PRIVATE KEY-----\n", 0), 0u);
  auto row = store().get("u", "g");
  ASSERT_TRUE(row.is_ok());
  EXPECT_EQ(row->public_key.find("PRIVATE"), std::string::npos);
  // A CN longer than 64 characters cannot be certified.
  auto refused = run(s.create(generate("x", "x509", std::string(65, 'u'))));
  EXPECT_EQ(refused.status().kind(), ErrorKind::invalid_input);
  EXPECT_EQ(refused.status().message(), "Failed to generate an X509 certificate for this user id.");
}

TEST_P(KeypairServiceTest, ListPagesAfterAMarkerThatMustExist) {
  auto s = service(-1);
  for (const char* name : {"b", "a", "C"}) ASSERT_TRUE(run(s.create(import(name, kEd25519))));
  auto page = run(s.list("u", std::string("C"), 1));
  ASSERT_TRUE(page.is_ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].name, "a");
  auto missing = run(s.list("u", std::string("zz"), std::nullopt));
  EXPECT_EQ(missing.status().kind(), ErrorKind::invalid_input);
  EXPECT_EQ(missing.status().message(), "Marker zz could not be found.");
}

TEST_P(KeypairServiceTest, RemoveAndNotFound) {
  auto s = service(-1);
  ASSERT_TRUE(run(s.create(import("k", kEd25519))).is_ok());
  EXPECT_TRUE(run(s.remove("u", "k")).is_ok());
  auto missing = run(s.remove("u", "k"));
  EXPECT_EQ(missing.kind(), ErrorKind::not_found);
  EXPECT_EQ(missing.message(), "Keypair k not found for user u");
  EXPECT_EQ(run(s.get("u", "k")).status().message(), "Keypair k not found for user u");
}

INSTANTIATE_TEST_SUITE_P(Stores, KeypairServiceTest,
                         ::testing::Values(Backend::memory_inline, Backend::memory_blocking,
                                           Backend::memory_queued, Backend::sqlite));

TEST(KeypairService, UnavailableStore) {
  store::MemoryKeypairStore memory;
  asio::thread_pool blocking{1}, generation{1};
  keypairs::KeypairService s(memory, {blocking, generation}, -1);
  memory.set_unavailable(true);
  const std::string message = "The keypair store is unavailable. Please try again later.";
  auto got = run(s.get("u", "k"));
  EXPECT_EQ(got.status().kind(), ErrorKind::unavailable);
  EXPECT_EQ(got.status().message(), message);
  auto created = run(s.create({"u", "k", "ssh", kEd25519}));
  EXPECT_EQ(created.status().message(), message);
  EXPECT_EQ(run(s.remove("u", "k")).message(), message);
  EXPECT_EQ(run(s.list("u", std::nullopt, std::nullopt)).status().kind(), ErrorKind::unavailable);
}
