// Logging: a sink writing whole lines (so lines from many threads never interleave, and a file
// opened O_APPEND can be rotated), a text/JSON formatter, and the access line. Service messages
// are written at once, one write(2) each; access lines, one per request, are formatted straight
// into a buffer of the thread that finished the request and written in batches (when a buffer
// fills, within kAccessFlushInterval by a flusher thread, before any service message, before
// the file is reopened and at shutdown), so a request costs no system call and no lock that
// another thread holds.
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

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>

#include "common/json_string.h"
#include "common/thread_annotations.h"
#include "common/utf8.h"

namespace keypaird::observability {

namespace {

// For text lines: printable ASCII and valid UTF-8 stay, anything else (newlines above all,
// which could forge log lines) becomes \xHH.
void append_text_safe(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t run = 0;  // start of the bytes that pass through unchanged
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      ++i;
      continue;
    }
    std::size_t n = c >= 0x80 ? utf8_sequence_length(s, i) : 0;
    if (n > 0) {
      i += n;
      continue;
    }
    out.append(s.data() + run, i - run);
    const char escaped[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 0xF]};
    out.append(escaped, sizeof escaped);
    run = ++i;
  }
  out.append(s.data() + run, s.size() - run);
}

// "2024-05-01 12:00:00" (text) or "2024-05-01T12:00:00" (ISO 8601) for a second since the epoch.
void format_second(char (&text)[20], std::time_t seconds, bool iso) {
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  auto two = [&text](int at, int value) {
    text[at] = static_cast<char>('0' + value / 10 % 10);
    text[at + 1] = static_cast<char>('0' + value % 10);
  };
  int year = utc.tm_year + 1900;
  two(0, year / 100);
  two(2, year % 100);
  text[4] = '-';
  two(5, utc.tm_mon + 1);
  text[7] = '-';
  two(8, utc.tm_mday);
  text[10] = iso ? 'T' : ' ';
  two(11, utc.tm_hour);
  text[13] = ':';
  two(14, utc.tm_min);
  text[16] = ':';
  two(17, utc.tm_sec);
  text[19] = '\0';
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

// Appends what one access line says after its common prefix (the payload): text with
// append_text_safe, JSON as object members. No allocation beyond `out`'s own growth.
void append_access(std::string& out, const RequestLog& request, bool json) {
  char number[24];
  auto append_number = [&out, &number](unsigned long long value) {
    auto end = std::to_chars(number, number + sizeof number, value).ptr;
    out.append(number, end);
  };
  auto append_version = [&] {
    append_number(static_cast<unsigned>(request.microversion_major));
    out += '.';
    append_number(static_cast<unsigned>(request.microversion_minor));
  };
  // Seconds with 7 decimals, as "%.7f" writes them, from whole nanoseconds.
  auto append_seconds = [&] {
    auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(request.duration).count();
    if (nanos < 0) nanos = 0;
    auto units = static_cast<unsigned long long>((nanos + 50) / 100);  // of 100 ns
    append_number(units / 10000000);
    char fraction[8] = {'.'};
    auto rest = units % 10000000;
    for (int i = 7; i >= 1; --i, rest /= 10) fraction[i] = static_cast<char>('0' + rest % 10);
    out.append(fraction, sizeof fraction);
  };
  bool versioned = request.microversion_major != 0;
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
    out += "\",\"status\":";
    append_number(request.status);
    out += ",\"microversion\":\"";
    if (versioned) append_version();  // digits and a dot: nothing to escape
    out += "\",\"duration\":";
    append_seconds();
    return;
  }
  out += '[';
  append_text_safe(out, request.request_id.empty() ? "-" : request.request_id);
  out += ' ';
  append_text_safe(out, request.user_id.empty() ? "-" : request.user_id);
  out += "] \"";
  append_text_safe(out, request.method);
  out += ' ';
  append_text_safe(out, request.path);
  out += "\" status: ";
  append_number(request.status);
  out += " microversion: ";
  if (versioned) {
    append_version();
  } else {
    out += '-';
  }
  out += " time: ";
  append_seconds();
}

// One thread's access lines not yet written. Its mutex is uncontended but for the moments the
// flusher (or a service message, or a reopen) writes the buffer out.
struct AccessBuffer {
  explicit AccessBuffer(std::thread::id owner) : owner(owner) {}
  const std::thread::id owner;
  Mutex mutex;
  std::string lines GUARDED_BY(mutex);
  // The second the cached timestamp text is for, and that text ("2024-05-01 12:00:00").
  std::time_t second GUARDED_BY(mutex) = -1;
  char second_text[20] GUARDED_BY(mutex) = {};
};

}  // namespace

// Writes to stderr or to a file opened O_APPEND, whole lines per write(2). spdlog's base_sink
// holds its mutex_ (an annotated keypaird::Mutex here) around every call of sink_it_ and
// flush_. Lock order: mutex_, then registry_mutex_, then an AccessBuffer's mutex, then
// fd_mutex_.
class LineSink final : public spdlog::sinks::base_sink<Mutex> {
 public:
  // Written when a thread's buffer holds this much, so a write carries many lines.
  static constexpr std::size_t kAccessFlushBytes = 16 * 1024;
  // The longest an access line waits in a buffer while the process runs.
  static constexpr std::chrono::milliseconds kAccessFlushInterval{50};

  explicit LineSink(bool json) : json_(json), pid_(std::to_string(::getpid())) {}

  ~LineSink() override {
    stop_flusher();
    flush_access();
    MutexLock lock(fd_mutex_);
    if (fd_ > 2) ::close(fd_);
  }

  Status open(const std::string& path) EXCLUDES(mutex_, fd_mutex_, registry_mutex_) {
    int fd = STDERR_FILENO;
    if (!path.empty()) {
      fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
      if (fd < 0)
        return Status::unavailable("cannot open log file " + path + ": " + std::strerror(errno));
    }
    MutexLock lock(mutex_);  // no service message in between: they go to the old file or the new
    flush_access();          // what was logged before the reopen goes to the old file
    MutexLock fd_lock(fd_mutex_);
    if (fd_ > 2) ::close(fd_);
    fd_ = fd;
    return Status::ok();
  }

  // Appends one access line to the calling thread's buffer; writes the buffer when it is full.
  void access(const RequestLog& request) EXCLUDES(registry_mutex_, fd_mutex_) {
    AccessBuffer& buffer = thread_buffer();
    auto now = std::chrono::system_clock::now();
    auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    auto second = static_cast<std::time_t>(millis / 1000);
    int milli = static_cast<int>(millis % 1000);
    const char fraction[4] = {'.', static_cast<char>('0' + milli / 100),
                              static_cast<char>('0' + milli / 10 % 10),
                              static_cast<char>('0' + milli % 10)};
    bool was_empty;
    {
      MutexLock lock(buffer.mutex);
      if (buffer.second != second) {
        format_second(buffer.second_text, second, json_);
        buffer.second = second;
      }
      std::string& out = buffer.lines;
      was_empty = out.empty();
      if (out.capacity() < kAccessFlushBytes + 1024) out.reserve(2 * kAccessFlushBytes);
      if (json_) {
        out += "{\"timestamp\":\"";
        out.append(buffer.second_text, 19);
        out.append(fraction, 4);
        out += "Z\",\"level\":\"INFO\",\"logger\":\"access\",\"pid\":";
        out += pid_;
        out += ',';
        append_access(out, request, true);
        out += "}\n";
      } else {
        out.append(buffer.second_text, 19);
        out.append(fraction, 4);
        out += ' ';
        out += pid_;
        out += " INFO access ";
        append_access(out, request, false);
        out += '\n';
      }
      if (out.size() >= kAccessFlushBytes) {
        write_out(out);
        return;
      }
    }
    // The first line since the buffer was last written: make sure the flusher will come by.
    if (was_empty && !flush_wanted_.exchange(true)) {
      MutexLock lock(flusher_mutex_);
      flusher_wake_.notify_one();
    }
  }

  // Writes every thread's buffered access lines.
  void flush_access() EXCLUDES(registry_mutex_, fd_mutex_) {
    MutexLock registry(registry_mutex_);
    for (auto& buffer : buffers_) {
      MutexLock lock(buffer->mutex);
      write_out(buffer->lines);
    }
  }

  void start_flusher() EXCLUDES(flusher_mutex_) {
    MutexLock lock(flusher_mutex_);
    if (flusher_.joinable()) return;
    flusher_stopping_ = false;
    flusher_ = std::thread([this] { flusher_loop(); });
  }

  void stop_flusher() EXCLUDES(flusher_mutex_) {
    std::thread flusher;
    {
      MutexLock lock(flusher_mutex_);
      flusher_stopping_ = true;
      flusher_wake_.notify_all();
      flusher = std::move(flusher_);
    }
    if (flusher.joinable()) flusher.join();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override REQUIRES(mutex_) {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    flush_access();  // so that a message follows the requests answered before it
    MutexLock lock(fd_mutex_);
    write_all(formatted.data(), formatted.size());
  }
  void flush_() override REQUIRES(mutex_) { flush_access(); }

 private:
  AccessBuffer& thread_buffer() EXCLUDES(registry_mutex_) {
    // Each thread keeps a pointer to its buffer in each sink; ids never repeat, so an entry
    // of a destroyed sink is never used again.
    thread_local std::uint64_t cached_sink = 0;
    thread_local AccessBuffer* cached_buffer = nullptr;
    if (cached_sink == id_) return *cached_buffer;
    auto self = std::this_thread::get_id();
    MutexLock registry(registry_mutex_);
    AccessBuffer* found = nullptr;
    for (auto& buffer : buffers_)
      if (buffer->owner == self) found = buffer.get();
    if (!found) found = buffers_.emplace_back(std::make_unique<AccessBuffer>(self)).get();
    cached_sink = id_;
    cached_buffer = found;
    return *found;
  }

  void write_out(std::string& lines) EXCLUDES(fd_mutex_) {
    if (lines.empty()) return;
    MutexLock lock(fd_mutex_);
    write_all(lines.data(), lines.size());
    lines.clear();
  }

  void write_all(const char* data, std::size_t left) REQUIRES(fd_mutex_) {
    while (left > 0) {
      ssize_t n = ::write(fd_, data, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // nowhere to report a failing log; drop the lines
      data += n;
      left -= static_cast<std::size_t>(n);
    }
  }

  void flusher_loop() EXCLUDES(flusher_mutex_) {
    for (;;) {
      {
        MutexLock lock(flusher_mutex_);
        // Idle (no access line since the last pass): sleep until one comes.
        while (!flusher_stopping_ && !flush_wanted_.load()) flusher_wake_.wait(flusher_mutex_);
        auto deadline = std::chrono::steady_clock::now() + kAccessFlushInterval;
        while (!flusher_stopping_ && flusher_wake_.wait_until(flusher_mutex_, deadline)) {
        }
        if (flusher_stopping_) return;
      }
      flush_wanted_.store(false);
      flush_access();
    }
  }

  static std::uint64_t next_id() {
    static std::atomic<std::uint64_t> last{0};
    return ++last;
  }

  const bool json_;
  const std::string pid_;
  const std::uint64_t id_ = next_id();
  Mutex fd_mutex_;
  int fd_ GUARDED_BY(fd_mutex_) = STDERR_FILENO;
  Mutex registry_mutex_;
  std::vector<std::unique_ptr<AccessBuffer>> buffers_ GUARDED_BY(registry_mutex_);
  std::atomic<bool> flush_wanted_{false};  // some buffer holds lines the flusher has not seen
  Mutex flusher_mutex_;
  CondVar flusher_wake_;  // with flusher_mutex_
  bool flusher_stopping_ GUARDED_BY(flusher_mutex_) = false;
  std::thread flusher_ GUARDED_BY(flusher_mutex_);
};

std::string format_access(const RequestLog& request, bool json) {
  std::string out;
  append_access(out, request, json);
  return out;
}

Result<std::shared_ptr<LogOutput>> LogOutput::install(const LogSettings& settings) {
  auto sink = std::make_shared<LineSink>(settings.json);
  if (auto opened = sink->open(settings.file); !opened.is_ok()) return opened;
  sink->set_formatter(std::make_unique<LineFormatter>(settings.json));
  auto main_logger = std::make_shared<spdlog::logger>("keypaird", sink);
  spdlog::set_default_logger(main_logger);
  sink->start_flusher();
  auto output = std::shared_ptr<LogOutput>(new LogOutput(settings, sink));
  output->set_level(settings.level);
  return output;
}

LogOutput::~LogOutput() {
  sink_->stop_flusher();
  sink_->flush_access();
}

void LogOutput::set_level(const std::string& level) {
  auto parsed = spdlog::level::from_str(level == "warning" ? "warn" : level);
  spdlog::default_logger()->set_level(parsed);
  access_on_.store(parsed <= spdlog::level::info, std::memory_order_relaxed);
  settings_.level = level;
}

Status LogOutput::reopen() {
  if (settings_.file.empty()) return Status::ok();
  return sink_->open(settings_.file);
}

void LogOutput::flush() { sink_->flush_access(); }

void LogOutput::access(const RequestLog& request) {
  if (!access_on_.load(std::memory_order_relaxed)) return;
  sink_->access(request);
}

}  // namespace keypaird::observability
