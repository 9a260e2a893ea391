// Backup lines and RowImporter on the in-memory store; Nova row checks and timestamps.
#include <gtest/gtest.h>

#include <sstream>

#include "manage/backup.h"
#include "manage/nova_import.h"
#include "store/memory_keypair_store.h"

using namespace keypaird;

namespace {

store::StoredKeypair row(std::int64_t id, const std::string& user, const std::string& name) {
  store::StoredKeypair k;
  k.id = id;
  k.user_id = user;
  k.name = name;
  k.type = "ssh";
  k.fingerprint = "fp-" + name;
  k.public_key = "ssh-ed25519 AAAA " + name;
  k.created_at = "2020-01-02T03:04:05.060708";
  return k;
}

}  // namespace

TEST(BackupTest, LineRoundTrip) {
  auto k = row(7, "u", "n\xc3\xa9 \"q\"");
  std::string line = manage::keypair_to_json_line(k);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  store::StoredKeypair back;
  std::string error;
  ASSERT_TRUE(manage::keypair_from_json_line(line, back, error)) << error;
  EXPECT_EQ(manage::keypair_to_json_line(back), line);
  EXPECT_EQ(back.name, k.name);
  EXPECT_FALSE(manage::keypair_from_json_line("{\"id\": 1}", back, error));
  EXPECT_FALSE(manage::keypair_from_json_line("[]", back, error));
}

TEST(BackupTest, ExportImportIntoEmptyStoreIsExact) {
  store::MemoryKeypairStore source;
  std::vector<store::StoredKeypair> rows{row(3, "a", "x"), row(9, "b", "y"), row(4, "a", "z")};
  ASSERT_TRUE(source.restore(rows).is_ok());
  std::ostringstream first;
  std::int64_t written = 0;
  std::string error;
  ASSERT_TRUE(manage::export_keypairs(source, first, nullptr, written, error));
  EXPECT_EQ(written, 3);

  store::MemoryKeypairStore target;
  std::istringstream in(first.str());
  auto report = manage::import_keypairs(target, in, nullptr);
  EXPECT_EQ(report.imported, 3);
  std::ostringstream second;
  ASSERT_TRUE(manage::export_keypairs(target, second, nullptr, written, error));
  EXPECT_EQ(second.str(), first.str());

  std::istringstream again(first.str());
  report = manage::import_keypairs(target, again, nullptr);
  EXPECT_EQ(report.imported, 0);
  EXPECT_EQ(report.already_present, 3);
  EXPECT_TRUE(report.skipped.empty());
}

TEST(BackupTest, RenumbersAfterEverythingElse) {
  store::MemoryKeypairStore target;
  ASSERT_TRUE(target.restore({row(2, "other", "taken")}).is_ok());
  manage::ImportReport report;
  manage::RowImporter importer(target, true, report);
  for (int i = 1; i <= 1200; ++i) importer.add(row(i, "u", "k" + std::to_string(i)), "r");
  ASSERT_TRUE(importer.finish());
  EXPECT_EQ(report.imported, 1200);
  EXPECT_EQ(report.renumbered, 1);
  auto k = target.get("u", "k2");
  ASSERT_TRUE(k.is_ok());
  EXPECT_EQ(k->id, 1201);
  k = target.get("u", "k1000");
  ASSERT_TRUE(k.is_ok());
  EXPECT_EQ(k->id, 1000);
}

TEST(NovaImportTest, Timestamps) {
  EXPECT_EQ(manage::nova_timestamp("2014-05-07 12:06:13.681238"), "2014-05-07T12:06:13.681238");
  EXPECT_EQ(manage::nova_timestamp("2014-05-07 12:06:13"), "2014-05-07T12:06:13.000000");
  EXPECT_EQ(manage::nova_timestamp("2014-05-07 12:06:13.5"), "2014-05-07T12:06:13.500000");
  EXPECT_EQ(manage::nova_timestamp("2014-05-07T12:06:13.000001"), "2014-05-07T12:06:13.000001");
  EXPECT_FALSE(manage::nova_timestamp("2014-05-07"));
  EXPECT_FALSE(manage::nova_timestamp("2014-05-07 12:06:13."));
  EXPECT_FALSE(manage::nova_timestamp("2014-05-07 12:06:13.1234567"));
  EXPECT_FALSE(manage::nova_timestamp("yesterday at noon!!"));
}

TEST(NovaImportTest, RowChecks) {
  manage::NovaKeypairRow r;
  r.id = 5;
  r.user_id = "u";
  r.name = "n";
  r.fingerprint = "fp";
  r.public_key = "pk";
  r.type = "x509";
  r.created_at = "2014-05-07 12:06:13.681238";
  store::StoredKeypair out;
  EXPECT_FALSE(manage::check_nova_row(r, out));
  EXPECT_EQ(out.id, 5);
  EXPECT_EQ(out.type, "x509");
  EXPECT_EQ(out.created_at, "2014-05-07T12:06:13.681238");
  auto broken = r;
  broken.deleted = true;
  EXPECT_EQ(manage::check_nova_row(broken, out), "deleted in Nova");
  broken = r;
  broken.type = "rsa";
  EXPECT_EQ(manage::check_nova_row(broken, out), "unknown type 'rsa'");
  broken = r;
  broken.public_key.reset();
  EXPECT_EQ(manage::check_nova_row(broken, out), "no public key");
  broken = r;
  broken.name = std::string(256, 'n');
  EXPECT_EQ(manage::check_nova_row(broken, out), "name longer than 255 characters");
  std::string error;
  EXPECT_FALSE(manage::open_nova_source("postgresql://nova@db/nova_api", error));
  EXPECT_NE(error.find("postgresql"), std::string::npos);
}
