// Nova import: the SQLite source (read-only, any schema that has Nova's key_pairs columns) and
// the row checks.
#include "manage/nova_import.h"

#include <sqlite3.h>

#include <cctype>

namespace keypaird::manage {

namespace {

class SqliteNovaSource final : public NovaKeypairSource {
 public:
  ~SqliteNovaSource() override { sqlite3_close(db_); }

  bool open(const std::string& path, std::string& error) {
    int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr);
    if (rc != SQLITE_OK) {
      error = "cannot open " + path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
      return false;
    }
    // Which columns are there: Nova's API database has no "deleted" column, old cell
    // databases do.
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, "PRAGMA table_info(key_pairs)", -1, &stmt, nullptr) != SQLITE_OK) {
      error = std::string("cannot read ") + path + ": " + sqlite3_errmsg(db_);
      return false;
    }
    bool has_table = false;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      has_table = true;
      auto name = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
      if (name && std::string(name) == "deleted") has_deleted_ = true;
    }
    sqlite3_finalize(stmt);
    if (!has_table) {
      error = path + " has no key_pairs table (is it Nova's API database?)";
      return false;
    }
    return true;
  }

  bool count(std::int64_t& rows, std::string& error) override {
    sqlite3_stmt* stmt = nullptr;
    bool ok = sqlite3_prepare_v2(db_, "SELECT count(*) FROM key_pairs", -1, &stmt, nullptr) ==
                  SQLITE_OK &&
              sqlite3_step(stmt) == SQLITE_ROW;
    if (ok) rows = sqlite3_column_int64(stmt, 0);
    if (!ok) error = std::string("cannot count key_pairs: ") + sqlite3_errmsg(db_);
    sqlite3_finalize(stmt);
    return ok;
  }

  bool read(std::int64_t after_id, std::size_t max, std::vector<NovaKeypairRow>& out,
            std::string& error) override {
    std::string sql = "SELECT id, user_id, name, fingerprint, public_key, type, created_at";
    sql += has_deleted_ ? ", deleted" : ", 0";
    sql += " FROM key_pairs WHERE id > ?1 ORDER BY id LIMIT ?2";
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      error = std::string("cannot read key_pairs: ") + sqlite3_errmsg(db_);
      return false;
    }
    sqlite3_bind_int64(stmt, 1, after_id);
    sqlite3_bind_int64(stmt, 2, static_cast<sqlite3_int64>(max));
    auto text = [stmt](int column) -> std::optional<std::string> {
      if (sqlite3_column_type(stmt, column) == SQLITE_NULL) return std::nullopt;
      auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
      return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, column)));
    };
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      NovaKeypairRow row;
      row.id = sqlite3_column_int64(stmt, 0);
      row.user_id = text(1);
      row.name = text(2);
      row.fingerprint = text(3);
      row.public_key = text(4);
      row.type = text(5);
      row.created_at = text(6);
      row.deleted = sqlite3_column_int64(stmt, 7) != 0;
      out.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) error = std::string("cannot read key_pairs: ") + sqlite3_errmsg(db_);
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE;
  }

 private:
  sqlite3* db_ = nullptr;
  bool has_deleted_ = false;
};

bool digits(const std::string& s, std::size_t from, std::size_t n) {
  if (from + n > s.size()) return false;
  for (std::size_t i = from; i < from + n; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

}  // namespace

std::unique_ptr<NovaKeypairSource> open_nova_source(const std::string& url, std::string& error) {
  const std::string sqlite_prefix = "sqlite:///";
  if (url.rfind(sqlite_prefix, 0) == 0) {
    std::string path = url.substr(sqlite_prefix.size());
    path = path.substr(0, path.find('?'));
    auto source = std::make_unique<SqliteNovaSource>();
    if (!source->open(path, error)) return nullptr;
    return source;
  }
  auto scheme = url.substr(0, url.find(':'));
  if (scheme.rfind("postgresql", 0) == 0 || scheme.rfind("mysql", 0) == 0) {
    error = "reading a Nova database over " + scheme +
            " is not built in yet; copy key_pairs into SQLite or use an SQLite URL";
    return nullptr;
  }
  error = "unsupported connection URL (expected sqlite:///<path>)";
  return nullptr;
}

std::optional<std::string> nova_timestamp(const std::string& s) {
  // YYYY-MM-DD[ T]hh:mm:ss[.f{1,6}]
  if (s.size() < 19 || !digits(s, 0, 4) || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' ||
      !digits(s, 8, 2) || (s[10] != ' ' && s[10] != 'T') || !digits(s, 11, 2) || s[13] != ':' ||
      !digits(s, 14, 2) || s[16] != ':' || !digits(s, 17, 2))
    return std::nullopt;
  std::string fraction;
  if (s.size() > 19) {
    if (s[19] != '.' || s.size() > 26 || s.size() == 20 || !digits(s, 20, s.size() - 20))
      return std::nullopt;
    fraction = s.substr(20);
  }
  fraction.resize(6, '0');
  return s.substr(0, 10) + "T" + s.substr(11, 8) + "." + fraction;
}

std::optional<std::string> check_nova_row(const NovaKeypairRow& row, store::StoredKeypair& out) {
  if (row.deleted) return "deleted in Nova";
  if (!row.user_id || row.user_id->empty()) return "no user_id";
  if (row.user_id->size() > 255) return "user_id longer than 255 characters";
  if (!row.name || row.name->empty()) return "no name";
  if (row.name->size() > 255) return "name longer than 255 characters";
  std::string type = row.type.value_or("ssh");
  if (type != "ssh" && type != "x509") return "unknown type '" + type + "'";
  if (!row.public_key || row.public_key->empty()) return "no public key";
  if (!row.fingerprint || row.fingerprint->empty()) return "no fingerprint";
  if (!row.created_at) return "no created_at";
  auto created = nova_timestamp(*row.created_at);
  if (!created) return "created_at '" + *row.created_at + "' is not a timestamp";
  out.id = row.id;
  out.user_id = *row.user_id;
  out.name = *row.name;
  out.type = type;
  out.public_key = *row.public_key;
  out.fingerprint = *row.fingerprint;
  out.created_at = *created;
  return std::nullopt;
}

ImportReport import_from_nova(NovaKeypairSource& source, store::KeypairDatabase& store,
                              Progress* progress) {
  ImportReport report;
  RowImporter importer(store, true, report);
  std::int64_t after = 0;
  for (;;) {
    std::vector<NovaKeypairRow> rows;
    std::string error;
    if (!source.read(after, RowImporter::kBatchSize, rows, error)) {
      report.failed = true;
      report.error = error;
      return report;
    }
    if (rows.empty()) break;
    for (const auto& row : rows) {
      ++report.read;
      std::string where = "nova id " + std::to_string(row.id);
      store::StoredKeypair keypair;
      if (auto why = check_nova_row(row, keypair)) {
        report.skipped.push_back({where, *why});
      } else if (!importer.add(std::move(keypair), where)) {
        return report;
      }
    }
    after = rows.back().id;
    if (progress) progress->update(report.read);
  }
  importer.finish();
  return report;
}

}  // namespace keypaird::manage
