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

Result<store::StoredKeypair> keypair_from_json_line(const std::string& line) {
  boost::system::error_code ec;
  json::value value = json::parse(line, ec);
  if (ec || !value.is_object()) return Status::invalid_input("not a JSON object");
  const json::object& o = value.as_object();
  store::StoredKeypair k;
  std::string missing;  // the first text field that is missing or not a string
  auto text = [&](const char* key, std::string& out) {
    auto* v = o.if_contains(key);
    if (!v || !v->is_string()) {
      missing = key;
      return false;
    }
    out = std::string(v->as_string());
    return true;
  };
  auto* id = o.if_contains("id");
  if (!id || !id->is_int64() || id->as_int64() <= 0)
    return Status::invalid_input("\"id\" is missing or not a positive integer");
  k.id = id->as_int64();
  if (!text("user_id", k.user_id) || !text("name", k.name) || !text("type", k.type) ||
      !text("fingerprint", k.fingerprint) || !text("public_key", k.public_key) ||
      !text("created_at", k.created_at))
    return Status::invalid_input("\"" + missing + "\" is missing or not a string");
  if (k.type != "ssh" && k.type != "x509")
    return Status::invalid_input("\"type\" is neither ssh nor x509");
  if (k.user_id.empty() || k.name.empty()) return Status::invalid_input("empty user_id or name");
  return k;
}

std::string ImportReport::summary() const {
  std::string out = "read " + std::to_string(read) + ", imported " + std::to_string(imported);
  if (renumbered) out += " (" + std::to_string(renumbered) + " with a new id)";
  out += ", already present " + std::to_string(already_present) + ", skipped " +
         std::to_string(skipped.size()) + "\n";
  for (const auto& s : skipped) out += "skipped " + s.where + ": " + s.why + "\n";
  if (!stopped.is_ok()) out += "stopped: " + stopped.message() + "\n";
  return out;
}

Status RowImporter::stop() {
  report_.stopped = Status::unavailable("the keypair store is unavailable");
  return report_.stopped;
}

Status RowImporter::add(store::StoredKeypair row, std::string where) {
  if (!report_.stopped.is_ok()) return report_.stopped;
  rows_.push_back(std::move(row));
  where_.push_back(std::move(where));
  if (rows_.size() >= kBatchSize) return flush();
  return Status::ok();
}

Status RowImporter::flush() {
  if (!report_.stopped.is_ok()) return report_.stopped;
  if (rows_.empty()) return Status::ok();
  auto restored = store_.restore(rows_);
  if (!restored || restored->size() != rows_.size()) {
    return stop();
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
      return stop();
    }
  }
  rows_.clear();
  where_.clear();
  return Status::ok();
}

Status RowImporter::finish() {
  if (auto flushed = flush(); !flushed.is_ok()) return flushed;
  if (renumber_rows_.empty()) return Status::ok();
  auto restored = store_.restore(renumber_rows_);
  if (!restored || restored->size() != renumber_rows_.size()) {
    return stop();
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
  return Status::ok();
}

Result<std::int64_t> export_keypairs(store::KeypairDatabase& store, std::ostream& out,
                                     Progress* progress) {
  std::int64_t written = 0;
  std::int64_t after = 0;
  for (;;) {
    auto scanned = store.scan(after, 1000);
    if (!scanned) return Status::unavailable("the keypair store is unavailable");
    const std::vector<store::StoredKeypair>& batch = *scanned;
    if (batch.empty()) break;
    for (const auto& k : batch) out << keypair_to_json_line(k) << '\n';
    after = batch.back().id;
    written += static_cast<std::int64_t>(batch.size());
    if (progress) progress->update(written);
  }
  out.flush();
  if (!out) return Status::internal("cannot write the export");
  return written;
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
    std::string where = "line " + std::to_string(number);
    auto row = keypair_from_json_line(line);
    if (!row) {
      report.skipped.push_back({where, row.status().message()});
    } else if (!importer.add(std::move(row).value(), where)) {
      break;
    }
    if (progress) progress->update(report.read);
  }
  (void)importer.finish();  // a failure is in report.stopped
  return report;
}

}  // namespace keypaird::manage
