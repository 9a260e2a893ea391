// InstrumentedKeypairStore: times each call around the wrapped store.
#include "store/instrumented_keypair_store.h"

#include <chrono>

namespace keypaird::store {

namespace {

class CallTimer {
 public:
  CallTimer(observability::Metrics& metrics, observability::StoreOperation operation)
      : metrics_(metrics), operation_(operation), start_(std::chrono::steady_clock::now()) {}
  // A failure of the store itself (not "not found" or a taken name) counts as an error.
  template <typename T>
  T done(T outcome) {
    finish(failed(outcome));
    return outcome;
  }
  static bool failed(const Status& status) { return status.is(ErrorKind::unavailable); }
  template <typename T>
  static bool failed(const Result<T>& result) {
    return !result.is_ok() && result.status().is(ErrorKind::unavailable);
  }
  void finish(bool failed) {
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
    metrics_.observe_store_call(operation_, elapsed.count(), failed);
  }

 private:
  observability::Metrics& metrics_;
  observability::StoreOperation operation_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

Result<StoredKeypair> InstrumentedKeypairStore::get(const std::string& user_id,
                                                    const std::string& name) {
  CallTimer timer(metrics_, observability::StoreOperation::get);
  return timer.done(inner_.get(user_id, name));
}

Result<std::vector<StoredKeypair>> InstrumentedKeypairStore::list(
    const std::string& user_id, const std::optional<std::string>& after_name,
    std::optional<std::int64_t> limit) {
  CallTimer timer(metrics_, observability::StoreOperation::list);
  return timer.done(inner_.list(user_id, after_name, limit));
}

Result<std::int64_t> InstrumentedKeypairStore::count(const std::string& user_id) {
  CallTimer timer(metrics_, observability::StoreOperation::count);
  return timer.done(inner_.count(user_id));
}

Result<StoredKeypair> InstrumentedKeypairStore::create(const StoredKeypair& keypair,
                                                       std::int64_t quota) {
  CallTimer timer(metrics_, observability::StoreOperation::create);
  return timer.done(inner_.create(keypair, quota));
}

void InstrumentedKeypairStore::create_async(const StoredKeypair& keypair, std::int64_t quota,
                                            CreateDone done) {
  inner_.create_async(
      keypair, quota,
      [timer = CallTimer(metrics_, observability::StoreOperation::create), done = std::move(done)](
          Result<StoredKeypair> outcome) mutable { done(timer.done(std::move(outcome))); });
}

void InstrumentedKeypairStore::remove_async(const std::string& user_id, const std::string& name,
                                            RemoveDone done) {
  inner_.remove_async(
      user_id, name,
      [timer = CallTimer(metrics_, observability::StoreOperation::remove),
       done = std::move(done)](Status status) mutable { done(timer.done(std::move(status))); });
}

Status InstrumentedKeypairStore::remove(const std::string& user_id, const std::string& name) {
  CallTimer timer(metrics_, observability::StoreOperation::remove);
  return timer.done(inner_.remove(user_id, name));
}

bool InstrumentedKeypairStore::healthy() {
  CallTimer timer(metrics_, observability::StoreOperation::healthy);
  bool healthy = inner_.healthy();
  timer.finish(!healthy);
  return healthy;
}

}  // namespace keypaird::store
