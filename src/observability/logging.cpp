// Logging: a sink writing whole lines with one write(2) each (so lines from many threads never
// interleave, and a file opened O_APPEND can be rotated), a text/JSON formatter, and the access
// line.
#include "observability/logging.h"

#include <fcntl.h>
#include <spdlog/details/log_msg.h>
#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
// base_sink<keypaird::Mutex> is instantiated here; the compiled spdlog holds only std::mutex.
#include <spdlog/sinks/base_sink-inl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "common/json_string.h"
#include "common/thread_annotations.h"
#include "common/utf8.h"

namespace keypaird::observability {

namespace {

// For text lines: printable ASCII and valid UTF-8 stay, anything else (newlines above all,
// which could forge log lines) becomes \xHH.
void append_text_safe(std::string& out, std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t n = c >= 0x80 ? utf8_sequence_length(s, i) : 0;
    if (n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
      out += buffer;
      ++i;
    }
  }
}

void append_timestamp(std::string& out, std::chrono::system_clock::time_point time, bool iso) {
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[96];  // ample for any int the fields could hold, as -O3 checks
  std::snprintf(buffer, sizeof buffer,
                iso ? "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" : "%04d-%02d-%02d %02d:%02d:%02d.%03d",
                utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                utc.tm_sec, static_cast<int>(millis % 1000));
  out += buffer;
}

const char* level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "TRACE";
    case spdlog::level::debug:
      return "DEBUG";
    case spdlog::level::info:
      return "INFO";
    case spdlog::level::warn:
      return "WARNING";
    case spdlog::level::err:
      return "ERROR";
    case spdlog::level::critical:
      return "CRITICAL";
    default:
      return "NOTSET";
  }
}

// Text: `2024-05-01 12:00:00.123 4242 INFO keypaird message` (UTC, like oslo.log's default
// shape). JSON: {"timestamp": ..., "level": ..., "logger": ..., "pid": ..., "message": ...};
// the access logger's payload is already JSON members and is spliced in instead of "message".
class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(bool json) : json_(json), pid_(std::to_string(::getpid())) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
    if (json_) {
      line += "{\"timestamp\":\"";
      append_timestamp(line, msg.time, true);
      line += "\",\"level\":\"";
      line += level_name(msg.level);
      line += "\",\"logger\":";
      append_json_string(line, logger);
      line += ",\"pid\":" + pid_ + ",";
      if (logger == "access") {
        line.append(payload);
      } else {
        line += "\"message\":";
        append_json_string(line, payload);
      }
      line += "}\n";
    } else {
      append_timestamp(line, msg.time, false);
      line += ' ';
      line += pid_;
      line += ' ';
      line += level_name(msg.level);
      line += ' ';
      line.append(logger);
      line += ' ';
      if (logger == "access") {
        line.append(payload);  // made safe by format_access
      } else {
        append_text_safe(line, payload);
      }
      line += '\n';
    }
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(json_);
  }

 private:
  bool json_;
  std::string pid_;
};

}  // namespace

// Writes each line with one write(2) to stderr or to a file opened O_APPEND. spdlog's base_sink
// holds its mutex_ (an annotated keypaird::Mutex here) around every call of sink_it_ and
// flush_.
class LineSink final : public spdlog::sinks::base_sink<Mutex> {
 public:
  ~LineSink() override {
    if (fd_ > 2) ::close(fd_);
  }

  Status open(const std::string& path) EXCLUDES(mutex_) {
    int fd = STDERR_FILENO;
    if (!path.empty()) {
      fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
      if (fd < 0)
        return Status::unavailable("cannot open log file " + path + ": " + std::strerror(errno));
    }
    MutexLock lock(mutex_);
    if (fd_ > 2) ::close(fd_);
    fd_ = fd;
    return Status::ok();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override REQUIRES(mutex_) {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    const char* data = formatted.data();
    std::size_t left = formatted.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, data, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // nowhere to report a failing log; drop the line
      data += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  void flush_() override REQUIRES(mutex_) {}

 private:
  int fd_ GUARDED_BY(mutex_) = STDERR_FILENO;
};

std::string format_access(const RequestLog& request, bool json) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.7f",
                std::chrono::duration<double>(request.duration).count());
  std::string version = request.microversion();
  std::string out;
  if (json) {
    out += "\"request_id\":";
    append_json_string(out, request.request_id);
    out += ",\"user_id\":";
    append_json_string(out, request.user_id);
    out += ",\"method\":";
    append_json_string(out, request.method);
    out += ",\"path\":";
    append_json_string(out, request.path);
    out += ",\"route\":\"";
    out += route_name(request.route);
    out += "\",\"status\":" + std::to_string(request.status);
    out += ",\"microversion\":";
    append_json_string(out, version);
    out += ",\"duration\":";
    out += seconds;
    return out;
  }
  out += '[';
  append_text_safe(out, request.request_id.empty() ? "-" : request.request_id);
  out += ' ';
  append_text_safe(out, request.user_id.empty() ? "-" : request.user_id);
  out += "] \"";
  append_text_safe(out, request.method);
  out += ' ';
  append_text_safe(out, request.path);
  out += "\" status: " + std::to_string(request.status);
  out += " microversion: " + (version.empty() ? std::string("-") : version);
  out += " time: ";
  out += seconds;
  return out;
}

Result<std::shared_ptr<LogOutput>> LogOutput::install(const LogSettings& settings) {
  auto sink = std::make_shared<LineSink>();
  if (auto opened = sink->open(settings.file); !opened.is_ok()) return opened;
  sink->set_formatter(std::make_unique<LineFormatter>(settings.json));
  auto level = spdlog::level::from_str(settings.level == "warning" ? "warn" : settings.level);
  auto main_logger = std::make_shared<spdlog::logger>("keypaird", sink);
  main_logger->set_level(level);
  auto access_logger = std::make_shared<spdlog::logger>("access", sink);
  access_logger->set_level(level);
  spdlog::set_default_logger(main_logger);
  return std::shared_ptr<LogOutput>(new LogOutput(settings, sink, access_logger));
}

void LogOutput::set_level(const std::string& level) {
  auto parsed = spdlog::level::from_str(level == "warning" ? "warn" : level);
  spdlog::default_logger()->set_level(parsed);
  access_->set_level(parsed);
  settings_.level = level;
}

Status LogOutput::reopen() {
  if (settings_.file.empty()) return Status::ok();
  return sink_->open(settings_.file);
}

void LogOutput::access(const RequestLog& request) {
  if (!access_->should_log(spdlog::level::info)) return;
  access_->info(format_access(request, settings_.json));
}

}  // namespace keypaird::observability
