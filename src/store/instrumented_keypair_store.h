// A KeypairStore that wraps another and reports every call's latency and failures to Metrics.
// It changes nothing about the calls themselves, so any store can be measured the same way.
#pragma once

#include "observability/metrics.h"
#include "store/keypair_store.h"

namespace keypaird::store {

// Thread-safe as the wrapped store is. Both references must outlive this object.
class InstrumentedKeypairStore final : public KeypairStore {
 public:
  InstrumentedKeypairStore(KeypairStore& inner, observability::Metrics& metrics)
      : inner_(inner), metrics_(metrics) {}

  Result<StoredKeypair> get(const std::string& user_id, const std::string& name) override;
  Result<std::vector<StoredKeypair>> list(const std::string& user_id,
                                          const std::optional<std::string>& after_name,
                                          std::optional<std::int64_t> limit) override;
  Result<std::int64_t> count(const std::string& user_id) override;
  Result<StoredKeypair> create(const StoredKeypair& keypair, std::int64_t quota) override;
  Status remove(const std::string& user_id, const std::string& name) override;
  // The wrapped store's threading contract passes through unchanged.
  Threading threading() const override { return inner_.threading(); }
  void create_async(const StoredKeypair& keypair, std::int64_t quota, CreateDone done) override;
  void remove_async(const std::string& user_id, const std::string& name, RemoveDone done) override;
  bool healthy() override;
  Status write_status() override { return inner_.write_status(); }

 private:
  KeypairStore& inner_;
  observability::Metrics& metrics_;
};

}  // namespace keypaird::store
