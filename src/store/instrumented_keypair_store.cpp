// InstrumentedKeypairStore: times each call around the wrapped store.
#include "store/instrumented_keypair_store.h"

#include <chrono>

namespace keypaird::store {

namespace {

class CallTimer {
 public:
  CallTimer(observability::Metrics& metrics, const char* operation)
      : metrics_(metrics), operation_(operation), start_(std::chrono::steady_clock::now()) {}
  StoreStatus done(StoreStatus status) {
    finish(status == StoreStatus::unavailable);
    return status;
  }
  void finish(bool failed) {
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
    metrics_.observe_store_call(operation_, elapsed.count(), failed);
  }

 private:
  observability::Metrics& metrics_;
  const char* operation_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

StoreStatus InstrumentedKeypairStore::get(const std::string& user_id, const std::string& name,
                                          StoredKeypair& out) {
  CallTimer timer(metrics_, "get");
  return timer.done(inner_.get(user_id, name, out));
}

StoreStatus InstrumentedKeypairStore::list(const std::string& user_id,
                                           const std::optional<std::string>& after_name,
                                           std::optional<std::int64_t> limit,
                                           std::vector<StoredKeypair>& out) {
  CallTimer timer(metrics_, "list");
  return timer.done(inner_.list(user_id, after_name, limit, out));
}

StoreStatus InstrumentedKeypairStore::count(const std::string& user_id, std::int64_t& out) {
  CallTimer timer(metrics_, "count");
  return timer.done(inner_.count(user_id, out));
}

CreateOutcome InstrumentedKeypairStore::create(const StoredKeypair& keypair, std::int64_t quota) {
  CallTimer timer(metrics_, "create");
  CreateOutcome outcome = inner_.create(keypair, quota);
  timer.finish(outcome.status == StoreStatus::unavailable);
  return outcome;
}

void InstrumentedKeypairStore::create_async(const StoredKeypair& keypair, std::int64_t quota,
                                            CreateDone done) {
  inner_.create_async(keypair, quota,
                      [timer = CallTimer(metrics_, "create"),
                       done = std::move(done)](CreateOutcome outcome) mutable {
                        timer.finish(outcome.status == StoreStatus::unavailable);
                        done(std::move(outcome));
                      });
}

void InstrumentedKeypairStore::remove_async(const std::string& user_id, const std::string& name,
                                            RemoveDone done) {
  inner_.remove_async(user_id, name,
                      [timer = CallTimer(metrics_, "remove"), done = std::move(done)](
                          StoreStatus status) mutable { done(timer.done(status)); });
}

StoreStatus InstrumentedKeypairStore::remove(const std::string& user_id, const std::string& name) {
  CallTimer timer(metrics_, "remove");
  return timer.done(inner_.remove(user_id, name));
}

bool InstrumentedKeypairStore::healthy() {
  CallTimer timer(metrics_, "healthy");
  bool healthy = inner_.healthy();
  timer.finish(!healthy);
  return healthy;
}

StoreStatus InstrumentedKeypairStore::scan(std::int64_t after_id, std::int64_t limit,
                                           std::vector<StoredKeypair>& out) {
  CallTimer timer(metrics_, "scan");
  return timer.done(inner_.scan(after_id, limit, out));
}

StoreStatus InstrumentedKeypairStore::count_all(std::int64_t& out) {
  CallTimer timer(metrics_, "count_all");
  return timer.done(inner_.count_all(out));
}

StoreStatus InstrumentedKeypairStore::restore(const std::vector<StoredKeypair>& rows,
                                              std::vector<StoreStatus>& outcomes) {
  CallTimer timer(metrics_, "restore");
  return timer.done(inner_.restore(rows, outcomes));
}

}  // namespace keypaird::store
