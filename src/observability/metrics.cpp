// Metrics: the families keypaird exports and the cached lookups on the request path.
#include "observability/metrics.h"

#include <prometheus/text_serializer.h>

#include <sstream>

#include "observability/process_metrics.h"

namespace keypaird::observability {

namespace {

const prometheus::Histogram::BucketBoundaries& request_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return buckets;
}

// The methods counted by name; anything else is "other".
constexpr const char* kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
constexpr std::size_t kOtherMethod = std::size(kMethods);

std::size_t method_index(const std::string& method) {
  for (std::size_t i = 0; i < std::size(kMethods); ++i)
    if (method == kMethods[i]) return i;
  return kOtherMethod;
}

const char* method_label(std::size_t index) {
  return index < kOtherMethod ? kMethods[index] : "other";
}

}  // namespace

const char* route_name(Route route) {
  switch (route) {
    case Route::root:
      return "root";
    case Route::versions:
      return "versions";
    case Route::keypairs:
      return "keypairs";
    case Route::keypair:
      return "keypair";
    case Route::healthcheck:
      return "healthcheck";
    case Route::metrics:
      return "metrics";
    case Route::other:
      return "other";
  }
  return "other";
}

const char* store_operation_name(StoreOperation operation) {
  switch (operation) {
    case StoreOperation::get:
      return "get";
    case StoreOperation::list:
      return "list";
    case StoreOperation::count:
      return "count";
    case StoreOperation::create:
      return "create";
    case StoreOperation::remove:
      return "remove";
    case StoreOperation::healthy:
      return "healthy";
  }
  return "other";
}

std::string RequestLog::microversion() const {
  if (microversion_major == 0) return "";
  return std::to_string(microversion_major) + "." + std::to_string(microversion_minor);
}

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("keypaird_http_requests_total")
                    .Help("HTTP requests answered, by route, method, status and microversion")
                    .Register(*registry_)),
      request_seconds_(prometheus::BuildHistogram()
                           .Name("keypaird_http_request_duration_seconds")
                           .Help("Time from a complete request to its answer, by route and method")
                           .Register(*registry_)),
      in_flight_(prometheus::BuildGauge()
                     .Name("keypaird_http_requests_in_flight")
                     .Help("Requests being handled now")
                     .Register(*registry_)
                     .Add({})),
      store_seconds_(prometheus::BuildHistogram()
                         .Name("keypaird_store_operation_duration_seconds")
                         .Help("Time spent in keypair store calls, by operation")
                         .Register(*registry_)),
      store_errors_(prometheus::BuildCounter()
                        .Name("keypaird_store_errors_total")
                        .Help("Keypair store calls that failed (database unavailable)")
                        .Register(*registry_)),
      key_pool_size_(prometheus::BuildGauge()
                         .Name("keypaird_key_pool_size")
                         .Help("Pre-generated keypairs waiting in the pool")
                         .Register(*registry_)
                         .Add({})),
      token_cache_hits_(prometheus::BuildCounter()
                            .Name("keypaird_token_cache_hits_total")
                            .Help("Keystone token validations answered from the cache")
                            .Register(*registry_)
                            .Add({})),
      token_cache_misses_(prometheus::BuildCounter()
                              .Name("keypaird_token_cache_misses_total")
                              .Help("Keystone token validations that had to ask Keystone")
                              .Register(*registry_)
                              .Add({})),
      keystone_seconds_(prometheus::BuildHistogram()
                            .Name("keypaird_keystone_request_duration_seconds")
                            .Help("Time Keystone took to validate a token, by outcome")
                            .Register(*registry_)) {
  prometheus::BuildGauge()
      .Name("keypaird_build_info")
      .Help("The running keypaird version (always 1)")
      .Register(*registry_)
      .Add({{"version", KEYPAIRD_VERSION}})
      .Set(1);
}

void Metrics::request_started() { in_flight_.Increment(); }

prometheus::Counter& Metrics::request_counter(const RequestLog& request) {
  std::size_t method = method_index(request.method);
  unsigned status = request.status > 999 ? 0 : request.status;
  std::uint64_t key = static_cast<std::uint64_t>(request.route) |
                      (static_cast<std::uint64_t>(method) << 4) |
                      (static_cast<std::uint64_t>(status) << 8) |
                      (static_cast<std::uint64_t>(request.microversion_major & 0xFF) << 20) |
                      (static_cast<std::uint64_t>(request.microversion_minor & 0xFFFF) << 28);
  {
    ReaderMutexLock lock(cache_mutex_);
    auto it = request_counters_.find(key);
    if (it != request_counters_.end()) return *it->second;
  }
  std::string version = request.microversion();
  prometheus::Counter& counter =
      requests_.Add({{"route", route_name(request.route)},
                     {"method", method_label(method)},
                     {"status", std::to_string(status)},
                     {"microversion", version.empty() ? "none" : version}});
  WriterMutexLock lock(cache_mutex_);
  request_counters_.emplace(key, &counter);
  return counter;
}

void Metrics::request_finished(const RequestLog& request) {
  in_flight_.Decrement();
  request_counter(request).Increment();
  std::size_t method = method_index(request.method);
  std::uint64_t key = static_cast<std::uint64_t>(request.route) | (method << 4);
  prometheus::Histogram* histogram = nullptr;
  {
    ReaderMutexLock lock(cache_mutex_);
    auto it = request_latency_.find(key);
    if (it != request_latency_.end()) histogram = it->second;
  }
  if (!histogram) {
    histogram = &request_seconds_.Add(
        {{"route", route_name(request.route)}, {"method", method_label(method)}},
        request_buckets());
    WriterMutexLock lock(cache_mutex_);
    request_latency_.emplace(key, histogram);
  }
  histogram->Observe(std::chrono::duration<double>(request.duration).count());
}

const Metrics::StoreSeries& Metrics::store_series(StoreOperation operation) {
  auto index = static_cast<std::size_t>(operation);
  if (store_resolved_[index].load(std::memory_order_acquire)) return store_series_[index];
  MutexLock lock(store_mutex_);
  if (!store_resolved_[index].load(std::memory_order_relaxed)) {
    const char* name = store_operation_name(operation);
    store_series_[index].seconds = &store_seconds_.Add({{"operation", name}}, request_buckets());
    // The error count is there, at 0, from the operation's first call.
    store_series_[index].errors = &store_errors_.Add({{"operation", name}});
    store_resolved_[index].store(true, std::memory_order_release);
  }
  return store_series_[index];
}

void Metrics::observe_store_call(StoreOperation operation, double seconds, bool failed) {
  const StoreSeries& series = store_series(operation);
  series.seconds->Observe(seconds);
  if (failed) series.errors->Increment();
}

void Metrics::set_key_pool_size(std::int64_t size) {
  key_pool_size_.Set(static_cast<double>(size));
}

void Metrics::token_cache_hit() { token_cache_hits_.Increment(); }

void Metrics::token_cache_miss() { token_cache_misses_.Increment(); }

void Metrics::observe_keystone_request(double seconds, std::string_view outcome) {
  const char* label = outcome == "valid" ? "valid" : outcome == "rejected" ? "rejected" : "error";
  keystone_seconds_.Add({{"outcome", label}}, request_buckets()).Observe(seconds);
}

std::string Metrics::render() const {
  auto families = registry_->Collect();
  auto process = collect_process_metrics();
  families.insert(families.end(), std::make_move_iterator(process.begin()),
                  std::make_move_iterator(process.end()));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace keypaird::observability
