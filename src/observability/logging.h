// keypaird's log output: levels, text or JSON lines, stderr or a file that SIGHUP reopens (for
// logrotate), and the access log (one line per request). The service's own messages go through
// spdlog's default logger "keypaird"; access lines (logger "access" in the output) are buffered
// per thread and written in batches: within 50 ms, before any later service message, before a
// reopen and at shutdown, so none is lost when the process ends normally.
//
// What is never logged: request headers (tokens live there), bodies (private keys live there),
// query strings. The access log shows only the fields of RequestLog.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <memory>
#include <string>

#include "common/status.h"
#include "observability/metrics.h"

namespace keypaird::observability {

struct LogSettings {
  std::string level = "info";  // debug | info | warning | error
  bool json = false;           // one JSON object per line instead of text
  std::string file;            // empty: stderr
};

class LineSink;

// Thread-safe. Lives as long as the process logs.
class LogOutput {
 public:
  // Opens the output and makes it spdlog's default logger. Unavailable when the log file cannot
  // be opened.
  static Result<std::shared_ptr<LogOutput>> install(const LogSettings& settings);

  // Reopens the log file by name (after logrotate moved it away); a no-op on stderr.
  // Unavailable when it cannot be opened (the old file stays in use).
  Status reopen();

  // Changes the level of every log line, access lines included ("debug" ... "error").
  void set_level(const std::string& level);

  // Writes the access-log line of one finished request (at level info or debug): buffered,
  // written within 50 ms, by flush(), or when this object is destroyed.
  void access(const RequestLog& request);

  // Writes the access lines buffered so far.
  void flush();

  // Writes what is buffered.
  ~LogOutput();
  LogOutput(const LogOutput&) = delete;
  LogOutput& operator=(const LogOutput&) = delete;

  const LogSettings& settings() const { return settings_; }

 private:
  LogOutput(LogSettings settings, std::shared_ptr<LineSink> sink)
      : settings_(std::move(settings)), sink_(std::move(sink)) {}

  LogSettings settings_;
  std::shared_ptr<LineSink> sink_;
  std::atomic<bool> access_on_{true};  // the level is info or debug
};

// Formats one access-log line's payload (exposed for tests). Text: `[request-id user] "GET
// /path" status: 200 microversion: 2.10 time: 0.0012345`. JSON: the object members after the
// common ones, e.g. `"request_id":"req-...","user_id":"alice",...`.
std::string format_access(const RequestLog& request, bool json);

}  // namespace keypaird::observability
