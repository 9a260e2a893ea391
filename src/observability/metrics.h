// Prometheus metrics for keypaird: one Metrics object owns the registry, and the layers report
// into it through small typed hooks (requests, store calls, key pool, token cache, Keystone).
// Label values come only from fixed sets defined here, never from request paths or names, so
// the number of time series stays bounded whatever clients send.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/thread_annotations.h"

namespace keypaird::observability {

// The routes requests are counted by.
enum class Route { root, versions, keypairs, keypair, healthcheck, metrics, other };
const char* route_name(Route route);

// The store calls timed, by KeypairStore method.
enum class StoreOperation { get, list, count, create, remove, healthy };
inline constexpr std::size_t kStoreOperations = 6;
const char* store_operation_name(StoreOperation operation);

// What the access log and the request metrics know about one finished request. The API layer
// fills it in along its pipeline. It never holds a token, a body or a key.
struct RequestLog {
  std::string request_id;  // empty when the answer carries none (version documents)
  std::string user_id;     // empty before (or without) authentication
  std::string method;      // as sent
  std::string path;        // as sent, without the query string
  Route route = Route::other;
  int microversion_major = 0;  // 0: no microversion was negotiated
  int microversion_minor = 0;
  unsigned status = 0;
  std::chrono::steady_clock::duration duration{};

  std::string microversion() const;  // "2.10", or "" when none
};

// Thread-safe: every method may be called from any thread at any time.
class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The in-flight gauge; request_finished() also counts the request and its latency.
  void request_started();
  void request_finished(const RequestLog& request);

  // One store call. Its series appear with the operation's first call.
  void observe_store_call(StoreOperation operation, double seconds, bool failed);

  // Hooks for the pre-generated key pool and for Keystone token validation.
  void set_key_pool_size(std::int64_t size);
  void token_cache_hit();
  void token_cache_miss();
  // `outcome`: "valid", "rejected" or "error" (anything else is counted as "error").
  void observe_keystone_request(double seconds, std::string_view outcome);

  // Everything in the Prometheus text exposition format (version 0.0.4), process metrics
  // included.
  std::string render() const;

  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  prometheus::Counter& request_counter(const RequestLog& request) EXCLUDES(cache_mutex_);
  struct StoreSeries {
    prometheus::Histogram* seconds;
    prometheus::Counter* errors;
  };
  const StoreSeries& store_series(StoreOperation operation);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& request_seconds_;
  prometheus::Gauge& in_flight_;
  prometheus::Family<prometheus::Histogram>& store_seconds_;
  prometheus::Family<prometheus::Counter>& store_errors_;
  prometheus::Gauge& key_pool_size_;
  prometheus::Counter& token_cache_hits_;
  prometheus::Counter& token_cache_misses_;
  prometheus::Family<prometheus::Histogram>& keystone_seconds_;

  // Label lookups in prometheus-cpp build a map and take a lock; the request path looks its
  // series up here instead, keyed by the packed label values.
  mutable SharedMutex cache_mutex_;
  std::unordered_map<std::uint64_t, prometheus::Counter*> request_counters_
      GUARDED_BY(cache_mutex_);
  std::unordered_map<std::uint64_t, prometheus::Histogram*> request_latency_
      GUARDED_BY(cache_mutex_);
  // The store's series, resolved by each operation's first call (Family::Add locks the
  // family and builds a label map: once per operation, not per call). Written once, under
  // store_mutex_; read without it once published.
  Mutex store_mutex_;
  std::array<StoreSeries, kStoreOperations> store_series_{};
  std::array<std::atomic<bool>, kStoreOperations> store_resolved_{};
};

}  // namespace keypaird::observability
