// Progress of a long keypaird-manage command on stderr: a redrawn bar when stderr is a terminal,
// plain lines (every tenth of the way) when it is a file or a pipe, so logs stay readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace keypaird::manage {

// Used from one thread.
class Progress {
 public:
  // `total` may be 0 when unknown. `out` is where progress goes (stderr in the command).
  Progress(std::string label, std::int64_t total, std::FILE* out = stderr);
  Progress(std::string label, std::int64_t total, std::FILE* out, bool terminal);
  void update(std::int64_t done);
  void finish();  // the final state; call once

 private:
  void draw(std::int64_t done);

  std::string label_;
  std::int64_t total_;
  std::FILE* out_;
  bool terminal_;
  std::int64_t done_ = 0;
  int last_tenth_ = -1;
  std::chrono::steady_clock::time_point last_draw_{};
  bool finished_ = false;
};

}  // namespace keypaird::manage
