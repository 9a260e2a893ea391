// Process metrics from Linux's /proc: /proc/self/stat for CPU time, memory and start time,
// /proc/self/fd for open descriptors, /proc/stat for the boot time the start time counts from.
#include "observability/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace keypaird::observability {

namespace {

prometheus::MetricFamily gauge_family(const char* name, const char* help, double value,
                                      prometheus::MetricType type = prometheus::MetricType::Gauge) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(metric);
  return family;
}

// Fields of /proc/self/stat after the command name, which may itself contain spaces and
// parentheses; field 3 of proc(5) (the state) comes first.
bool read_stat_fields(std::vector<std::string>& fields) {
  std::ifstream file("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(text.substr(close + 1));
  std::string field;
  while (rest >> field) fields.push_back(field);
  return fields.size() >= 22;
}

double boot_time_seconds() {
  std::ifstream file("/proc/stat");
  std::string key;
  while (file >> key) {
    if (key == "btime") {
      double value = 0;
      file >> value;
      return value;
    }
    file.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

std::vector<prometheus::MetricFamily> collect_process_metrics() {
  std::vector<prometheus::MetricFamily> families;
  std::vector<std::string> stat;
  if (read_stat_fields(stat)) {
    // proc(5) numbers fields from 1; stat[0] is field 3.
    auto field = [&stat](int number) {
      return std::stod(stat[static_cast<std::size_t>(number - 3)]);
    };
    double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
    families.push_back(gauge_family(
        "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
        (field(14) + field(15)) / ticks, prometheus::MetricType::Counter));
    families.push_back(
        gauge_family("process_virtual_memory_bytes", "Virtual memory size in bytes.", field(23)));
    families.push_back(gauge_family("process_resident_memory_bytes",
                                    "Resident memory size in bytes.", field(24) * page));
    if (double boot = boot_time_seconds(); boot > 0)
      families.push_back(gauge_family("process_start_time_seconds",
                                      "Start time of the process since unix epoch in seconds.",
                                      boot + field(22) / ticks));
  }
  std::error_code ec;
  double open = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec))
    ++open;
  if (!ec)
    families.push_back(gauge_family("process_open_fds", "Number of open file descriptors.", open));
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0)
    families.push_back(gauge_family("process_max_fds", "Maximum number of open file descriptors.",
                                    static_cast<double>(limit.rlim_cur)));
  return families;
}

}  // namespace keypaird::observability
