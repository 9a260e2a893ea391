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
  auto back = manage::keypair_from_json_line(line);
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(manage::keypair_to_json_line(*back), line);
  EXPECT_EQ(back->name, k.name);
  auto no_user = manage::keypair_from_json_line("{\"id\": 1}");
  ASSERT_FALSE(no_user.is_ok());
  EXPECT_TRUE(no_user.status().is(ErrorKind::invalid_input));
  EXPECT_EQ(no_user.status().message(), "\"user_id\" is missing or not a string");
  EXPECT_EQ(manage::keypair_from_json_line("[]").status().message(), "not a JSON object");
}

TEST(BackupTest, ExportImportIntoEmptyStoreIsExact) {
  store::MemoryKeypairStore source;
  std::vector<store::StoredKeypair> rows{row(3, "a", "x"), row(9, "b", "y"), row(4, "a", "z")};
  ASSERT_TRUE(source.restore(rows).is_ok());
  std::ostringstream first;
  auto written = manage::export_keypairs(source, first, nullptr);
  ASSERT_TRUE(written.is_ok());
  EXPECT_EQ(*written, 3);

  store::MemoryKeypairStore target;
  std::istringstream in(first.str());
  auto report = manage::import_keypairs(target, in, nullptr);
  EXPECT_EQ(report.imported, 3);
  std::ostringstream second;
  ASSERT_TRUE(manage::export_keypairs(target, second, nullptr).is_ok());
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
  for (int i = 1; i <= 1200; ++i)
    ASSERT_TRUE(importer.add(row(i, "u", "k" + std::to_string(i)), "r").is_ok());
  ASSERT_TRUE(importer.finish().is_ok());
  EXPECT_TRUE(report.stopped.is_ok());
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
  auto out = manage::check_nova_row(r);
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ(out->id, 5);
  EXPECT_EQ(out->type, "x509");
  EXPECT_EQ(out->created_at, "2014-05-07T12:06:13.681238");
  auto why = [](const manage::NovaKeypairRow& row) {
    auto checked = manage::check_nova_row(row);
    EXPECT_FALSE(checked.is_ok());
    return checked.is_ok() ? std::string() : checked.status().message();
  };
  auto broken = r;
  broken.deleted = true;
  EXPECT_EQ(why(broken), "deleted in Nova");
  broken = r;
  broken.type = "rsa";
  EXPECT_EQ(why(broken), "unknown type 'rsa'");
  broken = r;
  broken.public_key.reset();
  EXPECT_EQ(why(broken), "no public key");
  broken = r;
  broken.name = std::string(256, 'n');
  EXPECT_EQ(why(broken), "name longer than 255 characters");
  auto source = manage::open_nova_source("oracle://nova@db/nova_api");
  ASSERT_FALSE(source.is_ok());
  EXPECT_TRUE(source.status().is(ErrorKind::invalid_input));
  EXPECT_NE(source.status().message().find("postgresql"), std::string::npos);
  // PostgreSQL and MariaDB sources are read over the network: nothing listens on port 1.
  for (const char* url : {"postgresql+psycopg2://nova:sekrit@127.0.0.1:1/nova_api",
                          "mysql+pymysql://nova:sekrit@127.0.0.1:1/nova_api"}) {
    source = manage::open_nova_source(url);
    ASSERT_FALSE(source.is_ok()) << url;
    EXPECT_TRUE(source.status().is(ErrorKind::unavailable)) << url;
    EXPECT_NE(source.status().message().find("nova:***@127.0.0.1:1"), std::string::npos)
        << source.status().message();
    EXPECT_EQ(source.status().message().find("sekrit"), std::string::npos);
  }
}
