// Nova import: the SQLite source (read-only, any schema that has Nova's key_pairs columns, read
// through the store's SqliteConnection) and the row checks.
#include "manage/nova_import.h"

#include <sqlite3.h>

#include <cctype>
#include <stdexcept>

#include "store/sqlite_connection.h"

namespace keypaird::manage {

namespace {

class SqliteNovaSource final : public NovaKeypairSource {
 public:
  bool open(const std::string& path, std::string& error) {
    connection_ = store::SqliteConnection::open_read_only(path, error);
    if (!connection_) {
      error = "cannot open " + path + ": " + error;
      return false;
    }
    // Which columns are there: Nova's API database has no "deleted" column, old cell
    // databases do.
    bool has_table = false;
    try {
      store::SqliteBinding b(connection_->statement("PRAGMA table_info(key_pairs)"));
      while (b.step() == SQLITE_ROW) {
        has_table = true;
        if (b.column_text(1) == "deleted") has_deleted_ = true;
      }
    } catch (const std::exception&) {
      error = "cannot read " + path + ": " + connection_->error_message();
      return false;
    }
    if (!has_table) {
      error = path + " has no key_pairs table (is it Nova's API database?)";
      return false;
    }
    return true;
  }

  bool count(std::int64_t& rows, std::string& error) override {
    bool ok = false;
    try {
      store::SqliteBinding b(connection_->statement("SELECT count(*) FROM key_pairs"));
      ok = b.step() == SQLITE_ROW;
      if (ok) rows = b.column_int(0);
    } catch (const std::exception&) {
    }
    if (!ok) error = "cannot count key_pairs: " + connection_->error_message();
    return ok;
  }

  bool read(std::int64_t after_id, std::size_t max, std::vector<NovaKeypairRow>& out,
            std::string& error) override {
    std::string sql = std::string("SELECT ") + store::kKeypairColumns;
    sql += has_deleted_ ? ", deleted" : ", 0";
    sql += " FROM key_pairs WHERE id > ?1 ORDER BY id LIMIT ?2";
    int rc = SQLITE_ERROR;
    try {
      store::SqliteBinding b(connection_->statement(sql));
      b.integer(1, after_id).integer(2, static_cast<std::int64_t>(max));
      while ((rc = b.step()) == SQLITE_ROW) {
        NovaKeypairRow row;
        row.id = b.column_int(store::kIdColumn);
        row.user_id = b.column_optional_text(store::kUserIdColumn);
        row.name = b.column_optional_text(store::kNameColumn);
        row.fingerprint = b.column_optional_text(store::kFingerprintColumn);
        row.public_key = b.column_optional_text(store::kPublicKeyColumn);
        row.type = b.column_optional_text(store::kTypeColumn);
        row.created_at = b.column_optional_text(store::kCreatedAtColumn);
        row.deleted = b.column_int(store::kKeypairColumnCount) != 0;
        out.push_back(std::move(row));
      }
    } catch (const std::exception&) {
      rc = SQLITE_ERROR;
    }
    if (rc != SQLITE_DONE) error = "cannot read key_pairs: " + connection_->error_message();
    return rc == SQLITE_DONE;
  }

 private:
  std::unique_ptr<store::SqliteConnection> connection_;
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
