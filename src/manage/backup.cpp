// Backup format and RowImporter. Boost.JSON keeps key order and writes strings byte for byte,
// so an export of a restored store is identical to the export it was restored from.
#include "manage/backup.h"

#include <boost/json.hpp>

namespace keypaird::manage {

namespace json = boost::json;

std::string keypair_to_json_line(const store::StoredKeypair& k) {
  json::object o;
  o["id"] = k.id;
  o["user_id"] = k.user_id;
  o["name"] = k.name;
  o["type"] = k.type;
  o["fingerprint"] = k.fingerprint;
  o["public_key"] = k.public_key;
  o["created_at"] = k.created_at;
  return json::serialize(o);
}

bool keypair_from_json_line(const std::string& line, store::StoredKeypair& k, std::string& error) {
  boost::system::error_code ec;
  json::value value = json::parse(line, ec);
  if (ec || !value.is_object()) {
    error = "not a JSON object";
    return false;
  }
  const json::object& o = value.as_object();
  auto text = [&](const char* key, std::string& out) {
    auto* v = o.if_contains(key);
    if (!v || !v->is_string()) {
      error = std::string("\"") + key + "\" is missing or not a string";
      return false;
    }
    out = std::string(v->as_string());
    return true;
  };
  auto* id = o.if_contains("id");
  if (!id || !id->is_int64() || id->as_int64() <= 0) {
    error = "\"id\" is missing or not a positive integer";
    return false;
  }
  k.id = id->as_int64();
  if (!text("user_id", k.user_id) || !text("name", k.name) || !text("type", k.type) ||
      !text("fingerprint", k.fingerprint) || !text("public_key", k.public_key) ||
      !text("created_at", k.created_at))
    return false;
  if (k.type != "ssh" && k.type != "x509") {
    error = "\"type\" is neither ssh nor x509";
    return false;
  }
  if (k.user_id.empty() || k.name.empty()) {
    error = "empty user_id or name";
    return false;
  }
  return true;
}

std::string ImportReport::summary() const {
  std::string out = "read " + std::to_string(read) + ", imported " + std::to_string(imported);
  if (renumbered) out += " (" + std::to_string(renumbered) + " with a new id)";
  out += ", already present " + std::to_string(already_present) + ", skipped " +
         std::to_string(skipped.size()) + "\n";
  for (const auto& s : skipped) out += "skipped " + s.where + ": " + s.why + "\n";
  if (failed) out += "stopped: " + error + "\n";
  return out;
}

bool RowImporter::add(store::StoredKeypair row, std::string where) {
  if (report_.failed) return false;
  rows_.push_back(std::move(row));
  where_.push_back(std::move(where));
  if (rows_.size() >= kBatchSize) return flush();
  return true;
}

bool RowImporter::flush() {
  if (report_.failed) return false;
  if (rows_.empty()) return true;
  auto restored = store_.restore(rows_);
  if (!restored || restored->size() != rows_.size()) {
    report_.failed = true;
    report_.error = "the keypair store is unavailable";
    return false;
  }
  const std::vector<Status>& outcomes = *restored;
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    const auto& row = rows_[i];
    if (outcomes[i].is_ok()) {
      ++report_.imported;
      continue;
    }
    auto found = store_.get(row.user_id, row.name);
    if (found) {
      const store::StoredKeypair& existing = *found;
      bool same = existing.fingerprint == row.fingerprint &&
                  existing.public_key == row.public_key && existing.type == row.type &&
                  existing.created_at == row.created_at;
      if (same) {
        ++report_.already_present;
      } else {
        report_.skipped.push_back({where_[i], "user " + row.user_id +
                                                  " already has a keypair "
                                                  "named " +
                                                  row.name + " with a different key"});
      }
    } else if (found.status().is(ErrorKind::not_found)) {
      if (renumber_) {
        renumber_rows_.push_back(row);
        renumber_rows_.back().id = 0;
        renumber_where_.push_back(where_[i]);
      } else {
        report_.skipped.push_back(
            {where_[i], "id " + std::to_string(row.id) + " belongs to another keypair"});
      }
    } else {
      report_.failed = true;
      report_.error = "the keypair store is unavailable";
      return false;
    }
  }
  rows_.clear();
  where_.clear();
  return true;
}

bool RowImporter::finish() {
  if (!flush()) return false;
  if (renumber_rows_.empty()) return true;
  auto restored = store_.restore(renumber_rows_);
  if (!restored || restored->size() != renumber_rows_.size()) {
    report_.failed = true;
    report_.error = "the keypair store is unavailable";
    return false;
  }
  for (std::size_t i = 0; i < renumber_rows_.size(); ++i) {
    if ((*restored)[i].is_ok()) {
      ++report_.imported;
      ++report_.renumbered;
    } else {
      // The name was free a moment ago: someone created it during the import.
      report_.skipped.push_back({renumber_where_[i], "created by someone else during import"});
    }
  }
  renumber_rows_.clear();
  renumber_where_.clear();
  return true;
}

bool export_keypairs(store::KeypairDatabase& store, std::ostream& out, Progress* progress,
                     std::int64_t& written, std::string& error) {
  written = 0;
  std::int64_t after = 0;
  for (;;) {
    auto scanned = store.scan(after, 1000);
    if (!scanned) {
      error = "the keypair store is unavailable";
      return false;
    }
    const std::vector<store::StoredKeypair>& batch = *scanned;
    if (batch.empty()) break;
    for (const auto& k : batch) out << keypair_to_json_line(k) << '\n';
    after = batch.back().id;
    written += static_cast<std::int64_t>(batch.size());
    if (progress) progress->update(written);
  }
  out.flush();
  if (!out) {
    error = "cannot write the export";
    return false;
  }
  return true;
}

ImportReport import_keypairs(store::KeypairDatabase& store, std::istream& in, Progress* progress) {
  ImportReport report;
  RowImporter importer(store, false, report);
  std::string line;
  std::int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    ++report.read;
    store::StoredKeypair row;
    std::string error;
    std::string where = "line " + std::to_string(number);
    if (!keypair_from_json_line(line, row, error)) {
      report.skipped.push_back({where, error});
    } else if (!importer.add(std::move(row), where)) {
      break;
    }
    if (progress) progress->update(report.read);
  }
  importer.finish();
  return report;
}

}  // namespace keypaird::manage
