// KeypairStore kept in memory, for unit tests of the layers above the store. Same contract as
// the SQLite store (byte-order names, atomic quota and uniqueness), no durability.
#pragma once

#include <map>
#include <utility>

#include "common/thread_annotations.h"
#include "store/keypair_store.h"

namespace keypaird::store {

class MemoryKeypairStore final : public KeypairDatabase {
 public:
  // `threading`: how callers are told to call it, so that tests of the layers above can drive
  // each of the ways production stores are called (the calls themselves never block).
  explicit MemoryKeypairStore(Threading threading = Threading::inline_calls)
      : threading_(threading) {}
  Threading threading() const override { return threading_; }

  Result<StoredKeypair> get(const std::string& user_id, const std::string& name) override;
  Result<std::vector<StoredKeypair>> list(const std::string& user_id,
                                          const std::optional<std::string>& after_name,
                                          std::optional<std::int64_t> limit) override;
  Result<std::int64_t> count(const std::string& user_id) override;
  Result<StoredKeypair> create(const StoredKeypair& keypair, std::int64_t quota) override;
  Status remove(const std::string& user_id, const std::string& name) override;
  bool healthy() override;
  Result<std::vector<StoredKeypair>> scan(std::int64_t after_id, std::int64_t limit) override;
  Result<std::int64_t> count_all() override;
  Result<std::vector<Status>> restore(const std::vector<StoredKeypair>& rows) override;

  // Makes every later call fail with `unavailable` (or work again), to test error paths.
  void set_unavailable(bool unavailable);

 private:
  const Threading threading_;
  Mutex mutex_;
  std::map<std::pair<std::string, std::string>, StoredKeypair> rows_ GUARDED_BY(mutex_);
  std::int64_t next_id_ GUARDED_BY(mutex_) = 1;
  bool unavailable_ GUARDED_BY(mutex_) = false;
};

}  // namespace keypaird::store
