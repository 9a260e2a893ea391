// The standard Prometheus process metrics (process_cpu_seconds_total,
// process_resident_memory_bytes, process_open_fds, ...) read from /proc/self at scrape time.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

namespace keypaird::observability {

// Families whose values could not be read are left out. Safe to call from any thread.
std::vector<prometheus::MetricFamily> collect_process_metrics();

}  // namespace keypaird::observability
