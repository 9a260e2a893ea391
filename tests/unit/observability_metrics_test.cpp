// Metrics: series per fixed label values, the cached request path, the text exposition.
#include <gtest/gtest.h>

#include "observability/metrics.h"

using namespace keypaird::observability;

namespace {

RequestLog request(Route route, const char* method, unsigned status, int major = 0, int minor = 0) {
  RequestLog r;
  r.route = route;
  r.method = method;
  r.status = status;
  r.microversion_major = major;
  r.microversion_minor = minor;
  r.duration = std::chrono::milliseconds(3);
  return r;
}

}  // namespace

TEST(MetricsTest, CountsRequestsByFixedLabels) {
  Metrics metrics;
  metrics.request_started();
  metrics.request_finished(request(Route::keypairs, "GET", 200, 2, 10));
  metrics.request_started();
  metrics.request_finished(request(Route::keypairs, "GET", 200, 2, 10));
  metrics.request_started();
  metrics.request_finished(request(Route::keypair, "BREW", 404));
  std::string text = metrics.render();
  EXPECT_NE(text.find("keypaird_http_requests_total{method=\"GET\",microversion=\"2.10\","
                      "route=\"keypairs\",status=\"200\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("keypaird_http_requests_total{method=\"other\",microversion=\"none\","
                      "route=\"keypair\",status=\"404\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("keypaird_http_requests_in_flight 0"), std::string::npos);
  EXPECT_NE(text.find("keypaird_http_request_duration_seconds_bucket{method=\"GET\","
                      "route=\"keypairs\",le=\"0.005\"} 2"),
            std::string::npos);
}

TEST(MetricsTest, HooksForOtherComponents) {
  Metrics metrics;
  metrics.set_key_pool_size(42);
  metrics.token_cache_hit();
  metrics.token_cache_hit();
  metrics.token_cache_miss();
  metrics.observe_keystone_request(0.02, "valid");
  metrics.observe_keystone_request(0.02, "something odd");
  metrics.observe_store_call(StoreOperation::create, 0.001, true);
  metrics.observe_store_call(StoreOperation::create, 0.001, false);
  metrics.observe_store_call(StoreOperation::get, 0.001, false);
  std::string text = metrics.render();
  EXPECT_NE(text.find("keypaird_key_pool_size 42"), std::string::npos);
  EXPECT_NE(text.find("keypaird_token_cache_hits_total 2"), std::string::npos);
  EXPECT_NE(text.find("keypaird_token_cache_misses_total 1"), std::string::npos);
  EXPECT_NE(text.find("keypaird_keystone_request_duration_seconds_count{outcome=\"valid\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("keypaird_keystone_request_duration_seconds_count{outcome=\"error\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("keypaird_store_errors_total{operation=\"create\"} 1"), std::string::npos);
  EXPECT_NE(text.find("keypaird_store_errors_total{operation=\"get\"} 0"), std::string::npos);
  EXPECT_NE(text.find("keypaird_store_operation_duration_seconds_count{operation=\"create\"} 2"),
            std::string::npos);
  EXPECT_EQ(text.find("operation=\"list\""), std::string::npos);  // not called yet
}

TEST(MetricsTest, ProcessMetricsAreThere) {
  Metrics metrics;
  std::string text = metrics.render();
  for (const char* name :
       {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_open_fds ",
        "process_max_fds ", "process_start_time_seconds ", "process_virtual_memory_bytes "})
    EXPECT_NE(text.find(std::string("\n") + name), std::string::npos) << name;
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter"), std::string::npos);
}
