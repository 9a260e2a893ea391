// MemoryKeypairStore: a std::map keyed by (user, name), whose std::string ordering is byte order.
#include "store/memory_keypair_store.h"

#include <algorithm>

namespace keypaird::store {

Result<StoredKeypair> MemoryKeypairStore::get(const std::string& user_id, const std::string& name) {
  MutexLock lock(mutex_);
  if (unavailable_) return unavailable();
  auto it = rows_.find({user_id, name});
  if (it == rows_.end()) return not_found();
  return it->second;
}

Result<std::vector<StoredKeypair>> MemoryKeypairStore::list(
    const std::string& user_id, const std::optional<std::string>& after_name,
    std::optional<std::int64_t> limit) {
  MutexLock lock(mutex_);
  if (unavailable_) return unavailable();
  std::vector<StoredKeypair> out;
  auto it =
      after_name ? rows_.upper_bound({user_id, *after_name}) : rows_.lower_bound({user_id, ""});
  for (; it != rows_.end() && it->first.first == user_id; ++it) {
    if (limit && static_cast<std::int64_t>(out.size()) >= *limit) break;
    out.push_back(it->second);
  }
  return out;
}

Result<std::int64_t> MemoryKeypairStore::count(const std::string& user_id) {
  MutexLock lock(mutex_);
  if (unavailable_) return unavailable();
  std::int64_t n = 0;
  for (auto it = rows_.lower_bound({user_id, ""}); it != rows_.end() && it->first.first == user_id;
       ++it)
    ++n;
  return n;
}

Result<StoredKeypair> MemoryKeypairStore::create(const StoredKeypair& keypair, std::int64_t quota) {
  MutexLock lock(mutex_);
  if (unavailable_) return unavailable();
  std::int64_t held = 0;
  for (auto it = rows_.lower_bound({keypair.user_id, ""});
       it != rows_.end() && it->first.first == keypair.user_id; ++it)
    ++held;
  if (quota >= 0 && held >= quota) return quota_full();
  if (rows_.count({keypair.user_id, keypair.name})) return name_taken();
  StoredKeypair row = keypair;
  row.id = next_id_++;
  row.created_at = current_timestamp();
  rows_[{keypair.user_id, keypair.name}] = row;
  return row;
}

Status MemoryKeypairStore::remove(const std::string& user_id, const std::string& name) {
  MutexLock lock(mutex_);
  if (unavailable_) return unavailable();
  return rows_.erase({user_id, name}) ? Status::ok() : not_found();
}

bool MemoryKeypairStore::healthy() {
  MutexLock lock(mutex_);
  return !unavailable_;
}

Result<std::vector<StoredKeypair>> MemoryKeypairStore::scan(std::int64_t after_id,
                                                            std::int64_t limit) {
  MutexLock lock(mutex_);
  if (unavailable_) return unavailable();
  std::map<std::int64_t, const StoredKeypair*> by_id;
  for (const auto& [key, row] : rows_)
    if (row.id > after_id) by_id.emplace(row.id, &row);
  std::vector<StoredKeypair> out;
  for (const auto& [id, row] : by_id) {
    if (static_cast<std::int64_t>(out.size()) >= limit) break;
    out.push_back(*row);
  }
  return out;
}

Result<std::int64_t> MemoryKeypairStore::count_all() {
  MutexLock lock(mutex_);
  if (unavailable_) return unavailable();
  return static_cast<std::int64_t>(rows_.size());
}

Result<std::vector<Status>> MemoryKeypairStore::restore(const std::vector<StoredKeypair>& rows) {
  MutexLock lock(mutex_);
  if (unavailable_) return unavailable();
  std::vector<Status> outcomes;
  for (const auto& row : rows) {
    bool id_taken = false;
    if (row.id > 0)
      for (const auto& [key, existing] : rows_) id_taken = id_taken || existing.id == row.id;
    if (id_taken || rows_.count({row.user_id, row.name})) {
      outcomes.push_back(name_taken());
      continue;
    }
    StoredKeypair copy = row;
    if (copy.id == 0) copy.id = next_id_;
    next_id_ = std::max(next_id_, copy.id + 1);
    rows_[{row.user_id, row.name}] = copy;
    outcomes.push_back(Status::ok());
  }
  return outcomes;
}

void MemoryKeypairStore::set_unavailable(bool unavailable) {
  MutexLock lock(mutex_);
  unavailable_ = unavailable;
}

}  // namespace keypaird::store
