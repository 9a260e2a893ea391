// Nova import: the sources (SQLite, read-only, any schema that has Nova's key_pairs columns, read
// through the store's SqliteConnection; MariaDB, Nova's API database read through the MariaDB
// store in its nova_api mode, which only reads; PostgreSQL, read with libpq in a read-only
// transaction per page) and the row checks.
#include "manage/nova_import.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <cctype>
#include <chrono>
#include <stdexcept>

#include "common/text.h"
#include "store/database_url.h"
#include "store/mariadb_keypair_store.h"
#include "store/sqlite_connection.h"

namespace keypaird::manage {

namespace {

class SqliteNovaSource final : public NovaKeypairSource {
 public:
  Status open(const std::string& path) {
    auto opened = store::SqliteConnection::open_read_only(path);
    if (!opened)
      return Status::unavailable("cannot open " + path + ": " + opened.status().message());
    connection_ = std::move(opened).value();
    // Which columns are there: Nova's API database has no "deleted" column, old cell
    // databases do.
    bool has_table = false;
    auto columns = connection_->statement("PRAGMA table_info(key_pairs)");
    if (!columns)
      return Status::unavailable("cannot read " + path + ": " + connection_->error_message());
    store::SqliteBinding b(**columns);
    while (b.step() == SQLITE_ROW) {
      has_table = true;
      if (b.column_text(1) == "deleted") has_deleted_ = true;
    }
    if (!has_table)
      return Status::unavailable(path + " has no key_pairs table (is it Nova's API database?)");
    return Status::ok();
  }

  Result<std::int64_t> count() override {
    if (auto counting = connection_->statement("SELECT count(*) FROM key_pairs"); counting) {
      store::SqliteBinding b(**counting);
      if (b.step() == SQLITE_ROW) return b.column_int(0);
    }
    return Status::unavailable("cannot count key_pairs: " + connection_->error_message());
  }

  Result<std::vector<NovaKeypairRow>> read(std::int64_t after_id, std::size_t max) override {
    std::vector<NovaKeypairRow> out;
    std::string sql = std::string("SELECT ") + store::kKeypairColumns;
    sql += has_deleted_ ? ", deleted" : ", 0";
    sql += " FROM key_pairs WHERE id > ?1 ORDER BY id LIMIT ?2";
    int rc = SQLITE_ERROR;
    if (auto statement = connection_->statement(sql); statement) {
      store::SqliteBinding b(**statement);
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
    }
    if (rc != SQLITE_DONE)
      return Status::unavailable("cannot read key_pairs: " + connection_->error_message());
    return out;
  }

 private:
  std::unique_ptr<store::SqliteConnection> connection_;
  bool has_deleted_ = false;
};

// Nova's API database on MariaDB, through MariadbKeypairStore in Nova mode: it checks at open
// that key_pairs is Nova's and never writes; its scan reads the rows in id order.
class MariadbNovaSource final : public NovaKeypairSource {
 public:
  explicit MariadbNovaSource(std::unique_ptr<store::MariadbKeypairStore> store)
      : store_(std::move(store)) {}

  Result<std::int64_t> count() override { return store_->count_all(); }

  Result<std::vector<NovaKeypairRow>> read(std::int64_t after_id, std::size_t max) override {
    auto rows = store_->scan(after_id, static_cast<std::int64_t>(max));
    if (!rows) return Status::unavailable("cannot read key_pairs: " + rows.status().message());
    // The store reads NULL as empty; Nova's NOT NULL columns (name, user_id, type) cannot be.
    auto present = [](std::string& s) -> std::optional<std::string> {
      if (s.empty()) return std::nullopt;
      return std::move(s);
    };
    std::vector<NovaKeypairRow> out;
    out.reserve(rows->size());
    for (auto& k : *rows) {
      NovaKeypairRow row;
      row.id = k.id;
      row.user_id = std::move(k.user_id);
      row.name = std::move(k.name);
      row.fingerprint = present(k.fingerprint);
      row.public_key = present(k.public_key);
      row.type = std::move(k.type);
      row.created_at = present(k.created_at);
      out.push_back(std::move(row));
    }
    return out;
  }

 private:
  std::unique_ptr<store::MariadbKeypairStore> store_;
};

// Nova's API database on PostgreSQL (nova.conf: postgresql+psycopg2://...), read with libpq:
// keypaird-manage runs it from one thread, so plain blocking calls, each bounded by the
// server's statement_timeout and libpq's connect_timeout.
class PostgresNovaSource final : public NovaKeypairSource {
 public:
  ~PostgresNovaSource() override {
    if (conn_) PQfinish(conn_);
  }

  Status open(const std::string& url) {
    // libpq reads postgresql:// URIs; SQLAlchemy's "+driver" is not part of one.
    std::string libpq_url = "postgresql" + url.substr(url.find("://"));
    const char* keywords[] = {"dbname", "connect_timeout", "options", nullptr};
    const char* values[] = {libpq_url.c_str(), "10",
                            "-c default_transaction_read_only=on -c statement_timeout=60000",
                            nullptr};
    conn_ = PQconnectdbParams(keywords, values, 1);
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK)
      return Status::unavailable("cannot connect to " + store::redact_database_url(url) + ": " +
                                 (conn_ ? PQerrorMessage(conn_) : "out of memory"));
    std::vector<std::vector<std::optional<std::string>>> rows;
    if (!query("SELECT count(*) FROM information_schema.tables WHERE table_name = 'key_pairs'"
               " AND table_schema = current_schema()",
               {}, rows))
      return Status::unavailable("cannot read " + store::redact_database_url(url) + ": " + error_);
    if (rows.empty() || rows[0][0] != "1")
      return Status::unavailable(store::redact_database_url(url) +
                                 " has no key_pairs table (is it Nova's API database?)");
    return Status::ok();
  }

  Result<std::int64_t> count() override {
    std::vector<std::vector<std::optional<std::string>>> rows;
    if (!query("SELECT count(*) FROM key_pairs", {}, rows) || rows.empty() || !rows[0][0])
      return Status::unavailable("cannot count key_pairs: " + error_);
    return std::stoll(*rows[0][0]);
  }

  Result<std::vector<NovaKeypairRow>> read(std::int64_t after_id, std::size_t max) override {
    std::vector<std::vector<std::optional<std::string>>> rows;
    if (!query("SELECT id, user_id, name, fingerprint, public_key, type::text,"
               " to_char(created_at, 'YYYY-MM-DD HH24:MI:SS.US') FROM key_pairs"
               " WHERE id > $1 ORDER BY id LIMIT $2",
               {std::to_string(after_id), std::to_string(max)}, rows))
      return Status::unavailable("cannot read key_pairs: " + error_);
    std::vector<NovaKeypairRow> out;
    out.reserve(rows.size());
    for (auto& r : rows) {
      NovaKeypairRow row;
      row.id = r[0] ? std::stoll(*r[0]) : 0;
      row.user_id = std::move(r[1]);
      row.name = std::move(r[2]);
      row.fingerprint = std::move(r[3]);
      row.public_key = std::move(r[4]);
      row.type = std::move(r[5]);
      row.created_at = std::move(r[6]);
      out.push_back(std::move(row));
    }
    return out;
  }

 private:
  bool query(const char* sql, const std::vector<std::string>& params,
             std::vector<std::vector<std::optional<std::string>>>& rows) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* result = PQexecParams(conn_, sql, static_cast<int>(values.size()), nullptr,
                                    values.data(), nullptr, nullptr, 0);
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
      error_ = PQerrorMessage(conn_);
      PQclear(result);
      return false;
    }
    rows.clear();
    for (int i = 0; i < PQntuples(result); ++i) {
      std::vector<std::optional<std::string>> row;
      for (int j = 0; j < PQnfields(result); ++j) {
        if (PQgetisnull(result, i, j))
          row.emplace_back(std::nullopt);
        else
          row.emplace_back(std::string(PQgetvalue(result, i, j),
                                       static_cast<std::size_t>(PQgetlength(result, i, j))));
      }
      rows.push_back(std::move(row));
    }
    PQclear(result);
    return true;
  }

  PGconn* conn_ = nullptr;
  std::string error_;
};

bool digits(const std::string& s, std::size_t from, std::size_t n) {
  if (from + n > s.size()) return false;
  for (std::size_t i = from; i < from + n; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

}  // namespace

Result<std::unique_ptr<NovaKeypairSource>> open_nova_source(const std::string& url) {
  const std::string sqlite_prefix = "sqlite:///";
  if (url.rfind(sqlite_prefix, 0) == 0) {
    std::string path = url.substr(sqlite_prefix.size());
    path = path.substr(0, path.find('?'));
    auto source = std::make_unique<SqliteNovaSource>();
    if (auto opened = source->open(path); !opened.is_ok()) return opened;
    return std::unique_ptr<NovaKeypairSource>(std::move(source));
  }
  if (store::is_mariadb_url(url)) {
    auto endpoint = store::parse_mariadb_url(url);
    if (!endpoint) return std::move(endpoint).status();
    store::MariadbOptions options;
    options.url = url;
    options.pool_size = 1;
    options.timeout = std::chrono::milliseconds(60000);  // a page of rows, not a request
    options.nova_api_schema = true;
    try {
      return std::unique_ptr<NovaKeypairSource>(std::make_unique<MariadbNovaSource>(
          std::make_unique<store::MariadbKeypairStore>(options)));
    } catch (const std::exception& e) {
      return Status::unavailable(e.what());  // never carries the password
    }
  }
  auto scheme = ascii_lower(url.substr(0, url.find(':')));
  if (url.find("://") != std::string::npos &&
      (scheme == "postgresql" || scheme.rfind("postgresql+", 0) == 0 || scheme == "postgres")) {
    auto source = std::make_unique<PostgresNovaSource>();
    if (auto opened = source->open(url); !opened.is_ok()) return opened;
    return std::unique_ptr<NovaKeypairSource>(std::move(source));
  }
  return Status::invalid_input(
      "unsupported connection URL (expected sqlite:///<path>, mysql+pymysql://... or"
      " postgresql+psycopg2://...)");
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

Result<store::StoredKeypair> check_nova_row(const NovaKeypairRow& row) {
  auto refuse = [](std::string why) { return Status::invalid_input(std::move(why)); };
  if (row.deleted) return refuse("deleted in Nova");
  if (!row.user_id || row.user_id->empty()) return refuse("no user_id");
  if (row.user_id->size() > 255) return refuse("user_id longer than 255 characters");
  if (!row.name || row.name->empty()) return refuse("no name");
  if (row.name->size() > 255) return refuse("name longer than 255 characters");
  std::string type = row.type.value_or("ssh");
  if (type != "ssh" && type != "x509") return refuse("unknown type '" + type + "'");
  if (!row.public_key || row.public_key->empty()) return refuse("no public key");
  if (!row.fingerprint || row.fingerprint->empty()) return refuse("no fingerprint");
  if (!row.created_at) return refuse("no created_at");
  auto created = nova_timestamp(*row.created_at);
  if (!created) return refuse("created_at '" + *row.created_at + "' is not a timestamp");
  store::StoredKeypair out;
  out.id = row.id;
  out.user_id = *row.user_id;
  out.name = *row.name;
  out.type = type;
  out.public_key = *row.public_key;
  out.fingerprint = *row.fingerprint;
  out.created_at = *created;
  return out;
}

ImportReport import_from_nova(NovaKeypairSource& source, store::KeypairDatabase& store,
                              Progress* progress) {
  ImportReport report;
  RowImporter importer(store, true, report);
  std::int64_t after = 0;
  for (;;) {
    auto read = source.read(after, RowImporter::kBatchSize);
    if (!read) {
      report.stopped = std::move(read).status();
      return report;
    }
    const std::vector<NovaKeypairRow>& rows = *read;
    if (rows.empty()) break;
    for (const auto& row : rows) {
      ++report.read;
      std::string where = "nova id " + std::to_string(row.id);
      auto keypair = check_nova_row(row);
      if (!keypair) {
        report.skipped.push_back({where, keypair.status().message()});
      } else if (!importer.add(std::move(keypair).value(), where)) {
        return report;
      }
    }
    after = rows.back().id;
    if (progress) progress->update(report.read);
  }
  (void)importer.finish();  // a failure is in report.stopped
  return report;
}

}  // namespace keypaird::manage
