// Backups as JSON lines, one keypair per line with every stored field, and the shared import
// step that puts whole rows into a store (used by `import` and `import-nova`): batched,
// idempotent, and reporting each row it skipped and why.
#pragma once

#include <cstdint>
#include <istream>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "common/status.h"
#include "manage/progress.h"
#include "store/keypair_store.h"

namespace keypaird::manage {

// {"id":..,"user_id":..,"name":..,"type":..,"fingerprint":..,"public_key":..,"created_at":..}
std::string keypair_to_json_line(const store::StoredKeypair& keypair);
// The inverse; invalid_input, saying what is wrong, when the line is not such an object.
Result<store::StoredKeypair> keypair_from_json_line(const std::string& line);

struct SkippedRow {
  std::string where;  // "line 12", "nova id 7"
  std::string why;
};

struct ImportReport {
  std::int64_t read = 0;
  std::int64_t imported = 0;
  std::int64_t renumbered = 0;       // imported with a new id because theirs was taken
  std::int64_t already_present = 0;  // identical row already there (a re-run)
  std::vector<SkippedRow> skipped;
  Status stopped;  // ok, or why the import stopped early (the store failed)

  // "imported 10, already present 2, skipped 1" and one line per skipped row.
  std::string summary() const;
};

// Puts rows into the store in batches as given. A row whose (user_id, name) is taken is
// already_present when identical, else skipped; a row whose id alone is taken goes in with a
// new id when `renumber_on_id_conflict`, else is skipped. Renumbered rows go in last, in
// finish(), so that their new ids never take the ids of rows still to come. `where` names each
// row for reports.
class RowImporter {
 public:
  RowImporter(store::KeypairDatabase& store, bool renumber_on_id_conflict, ImportReport& report)
      : store_(store), renumber_(renumber_on_id_conflict), report_(report) {}
  // Queues a row; writes a batch when enough are queued. Not ok (report.stopped) once the store
  // failed.
  Status add(store::StoredKeypair row, std::string where);
  // Writes what is queued, then the renumbered rows. Call once, at the end.
  Status finish();

  static constexpr std::size_t kBatchSize = 500;

 private:
  store::KeypairDatabase& store_;
  bool renumber_;
  ImportReport& report_;
  std::vector<store::StoredKeypair> rows_;
  std::vector<std::string> where_;
  std::vector<store::StoredKeypair> renumber_rows_;
  std::vector<std::string> renumber_where_;

  Status flush();
  Status stop();  // the store failed
};

// Writes every keypair in id order and returns how many; unavailable when the store fails,
// internal when `out` cannot be written.
Result<std::int64_t> export_keypairs(store::KeypairDatabase& store, std::ostream& out,
                                     Progress* progress);

// Reads JSON lines (blank lines ignored) and restores them with their ids.
ImportReport import_keypairs(store::KeypairDatabase& store, std::istream& in, Progress* progress);

}  // namespace keypaird::manage
