// MemoryKeypairStore: a std::map keyed by (user, name), whose std::string ordering is byte order.
#include "store/memory_keypair_store.h"

#include <algorithm>

namespace keypaird::store {

StoreStatus MemoryKeypairStore::get(const std::string& user_id, const std::string& name,
                                    StoredKeypair& out) {
  MutexLock lock(mutex_);
  if (unavailable_) return StoreStatus::unavailable;
  auto it = rows_.find({user_id, name});
  if (it == rows_.end()) return StoreStatus::not_found;
  out = it->second;
  return StoreStatus::ok;
}

StoreStatus MemoryKeypairStore::list(const std::string& user_id,
                                     const std::optional<std::string>& after_name,
                                     std::optional<std::int64_t> limit,
                                     std::vector<StoredKeypair>& out) {
  MutexLock lock(mutex_);
  if (unavailable_) return StoreStatus::unavailable;
  auto it =
      after_name ? rows_.upper_bound({user_id, *after_name}) : rows_.lower_bound({user_id, ""});
  for (; it != rows_.end() && it->first.first == user_id; ++it) {
    if (limit && static_cast<std::int64_t>(out.size()) >= *limit) break;
    out.push_back(it->second);
  }
  return StoreStatus::ok;
}

StoreStatus MemoryKeypairStore::count(const std::string& user_id, std::int64_t& out) {
  MutexLock lock(mutex_);
  if (unavailable_) return StoreStatus::unavailable;
  out = 0;
  for (auto it = rows_.lower_bound({user_id, ""}); it != rows_.end() && it->first.first == user_id;
       ++it)
    ++out;
  return StoreStatus::ok;
}

CreateOutcome MemoryKeypairStore::create(const StoredKeypair& keypair, std::int64_t quota) {
  MutexLock lock(mutex_);
  if (unavailable_) return {StoreStatus::unavailable, {}};
  std::int64_t held = 0;
  for (auto it = rows_.lower_bound({keypair.user_id, ""});
       it != rows_.end() && it->first.first == keypair.user_id; ++it)
    ++held;
  if (quota >= 0 && held >= quota) return {StoreStatus::quota_exceeded, {}};
  if (rows_.count({keypair.user_id, keypair.name})) return {StoreStatus::duplicate, {}};
  StoredKeypair row = keypair;
  row.id = next_id_++;
  row.created_at = current_timestamp();
  rows_[{keypair.user_id, keypair.name}] = row;
  return {StoreStatus::ok, row};
}

StoreStatus MemoryKeypairStore::remove(const std::string& user_id, const std::string& name) {
  MutexLock lock(mutex_);
  if (unavailable_) return StoreStatus::unavailable;
  return rows_.erase({user_id, name}) ? StoreStatus::ok : StoreStatus::not_found;
}

bool MemoryKeypairStore::healthy() {
  MutexLock lock(mutex_);
  return !unavailable_;
}

StoreStatus MemoryKeypairStore::scan(std::int64_t after_id, std::int64_t limit,
                                     std::vector<StoredKeypair>& out) {
  MutexLock lock(mutex_);
  if (unavailable_) return StoreStatus::unavailable;
  std::map<std::int64_t, const StoredKeypair*> by_id;
  for (const auto& [key, row] : rows_)
    if (row.id > after_id) by_id.emplace(row.id, &row);
  for (const auto& [id, row] : by_id) {
    if (static_cast<std::int64_t>(out.size()) >= limit) break;
    out.push_back(*row);
  }
  return StoreStatus::ok;
}

StoreStatus MemoryKeypairStore::count_all(std::int64_t& out) {
  MutexLock lock(mutex_);
  if (unavailable_) return StoreStatus::unavailable;
  out = static_cast<std::int64_t>(rows_.size());
  return StoreStatus::ok;
}

StoreStatus MemoryKeypairStore::restore(const std::vector<StoredKeypair>& rows,
                                        std::vector<StoreStatus>& outcomes) {
  MutexLock lock(mutex_);
  if (unavailable_) return StoreStatus::unavailable;
  outcomes.clear();
  for (const auto& row : rows) {
    bool id_taken = false;
    if (row.id > 0)
      for (const auto& [key, existing] : rows_) id_taken = id_taken || existing.id == row.id;
    if (id_taken || rows_.count({row.user_id, row.name})) {
      outcomes.push_back(StoreStatus::duplicate);
      continue;
    }
    StoredKeypair copy = row;
    if (copy.id == 0) copy.id = next_id_;
    next_id_ = std::max(next_id_, copy.id + 1);
    rows_[{row.user_id, row.name}] = copy;
    outcomes.push_back(StoreStatus::ok);
  }
  return StoreStatus::ok;
}

void MemoryKeypairStore::set_unavailable(bool unavailable) {
  MutexLock lock(mutex_);
  unavailable_ = unavailable;
}

}  // namespace keypaird::store
