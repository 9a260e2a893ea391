// KeypairService over the in-memory store: Nova's order of checks and its messages.
#include <gtest/gtest.h>

#include "keypairs/keypair_service.h"
#include "store/memory_keypair_store.h"

using namespace keypaird;
using keypairs::KeypairErrorKind;

namespace {

const std::string kEd25519 =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni";

template <typename T>
KeypairErrorKind error_kind(const keypairs::Result<T>& r) {
  return std::get<keypairs::KeypairError>(r).kind;
}

}  // namespace

TEST(KeypairService, ImportFingerprintsAndStoresVerbatim) {
  store::MemoryKeypairStore memory;
  keypairs::KeypairService service(memory, 5);
  auto created = service.import_key("u", "k", "ssh", kEd25519 + " comment\n");
  ASSERT_TRUE(std::holds_alternative<keypairs::CreatedKeypair>(created));
  auto& c = std::get<keypairs::CreatedKeypair>(created);
  EXPECT_EQ(c.keypair.fingerprint, "06:43:93:38:70:b9:22:d6:34:17:a1:c3:97:d0:36:b6");
  EXPECT_EQ(c.keypair.public_key, kEd25519 + " comment\n");
  EXPECT_FALSE(c.private_key);
  auto shown = service.get("u", "k");
  ASSERT_TRUE(std::holds_alternative<keypairs::Keypair>(shown));
  EXPECT_EQ(std::get<keypairs::Keypair>(shown).id, c.keypair.id);
}

TEST(KeypairService, QuotaComesBeforeTheKeyAndTheDuplicateCheck) {
  store::MemoryKeypairStore memory;
  keypairs::KeypairService service(memory, 1);
  ASSERT_TRUE(std::holds_alternative<keypairs::CreatedKeypair>(
      service.import_key("u", "k", "ssh", kEd25519)));
  auto bad_key = service.import_key("u", "k2", "ssh", "ssh-rsa garbage");
  EXPECT_EQ(error_kind(bad_key), KeypairErrorKind::quota_exceeded);
  EXPECT_EQ(std::get<keypairs::KeypairError>(bad_key).message,
            "Quota exceeded, too many key pairs.");
  EXPECT_EQ(error_kind(service.import_key("u", "k", "ssh", kEd25519)),
            KeypairErrorKind::quota_exceeded);
  EXPECT_EQ(error_kind(service.generate("u", "g", "ssh")), KeypairErrorKind::quota_exceeded);
}

TEST(KeypairService, InvalidKeysAndDuplicates) {
  store::MemoryKeypairStore memory;
  keypairs::KeypairService service(memory, -1);
  auto bad = service.import_key("u", "k", "ssh", "bad key data");
  EXPECT_EQ(error_kind(bad), KeypairErrorKind::invalid_key);
  EXPECT_EQ(std::get<keypairs::KeypairError>(bad).message,
            "Keypair data is invalid: failed to generate fingerprint");
  auto bad_cert = service.import_key("u", "k", "x509", "not a certificate");
  EXPECT_EQ(std::get<keypairs::KeypairError>(bad_cert).message.rfind(
                "Keypair data is invalid: failed to generate X509 fingerprint. Error message: ", 0),
            0u);
  ASSERT_TRUE(std::holds_alternative<keypairs::CreatedKeypair>(
      service.import_key("u", "k", "ssh", kEd25519)));
  auto dup = service.import_key("u", "k", "ssh", kEd25519);
  EXPECT_EQ(error_kind(dup), KeypairErrorKind::duplicate);
  EXPECT_EQ(std::get<keypairs::KeypairError>(dup).message, "Key pair 'k' already exists.");
}

TEST(KeypairService, GenerateReturnsThePrivateKeyOnce) {
  store::MemoryKeypairStore memory;
  keypairs::KeypairService service(memory, -1);
  auto created = service.generate("u", "g", "ssh");
  ASSERT_TRUE(std::holds_alternative<keypairs::CreatedKeypair>(created));
  auto& c = std::get<keypairs::CreatedKeypair>(created);
  ASSERT_TRUE(c.private_key);
  EXPECT_EQ(c.private_key->rfind("-----BEGIN RSA PRIVATE KEY-----\n", 0), 0u);
  store::StoredKeypair row;
  ASSERT_EQ(memory.get("u", "g", row), store::StoreStatus::ok);
  EXPECT_EQ(row.public_key.find("PRIVATE"), std::string::npos);
  // A CN longer than 64 characters cannot be certified.
  EXPECT_EQ(error_kind(service.generate(std::string(65, 'u'), "x", "x509")),
            KeypairErrorKind::generation_failed);
}

TEST(KeypairService, ListPagesAfterAMarkerThatMustExist) {
  store::MemoryKeypairStore memory;
  keypairs::KeypairService service(memory, -1);
  for (const char* name : {"b", "a", "C"}) service.import_key("u", name, "ssh", kEd25519);
  auto page = service.list("u", std::string("C"), 1);
  ASSERT_TRUE(std::holds_alternative<std::vector<keypairs::Keypair>>(page));
  auto& items = std::get<std::vector<keypairs::Keypair>>(page);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].name, "a");
  auto missing = service.list("u", std::string("zz"), std::nullopt);
  EXPECT_EQ(std::get<keypairs::KeypairError>(missing).message, "Marker zz could not be found.");
}

TEST(KeypairService, NotFoundAndUnavailableStore) {
  store::MemoryKeypairStore memory;
  keypairs::KeypairService service(memory, -1);
  auto missing = service.remove("u", "nope");
  EXPECT_EQ(std::get<keypairs::KeypairError>(missing).message, "Keypair nope not found for user u");
  memory.set_unavailable(true);
  EXPECT_EQ(error_kind(service.get("u", "k")), KeypairErrorKind::store_unavailable);
  EXPECT_EQ(error_kind(service.import_key("u", "k", "ssh", kEd25519)),
            KeypairErrorKind::store_unavailable);
}
