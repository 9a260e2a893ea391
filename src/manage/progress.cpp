// Progress: at most ten redraws a second on a terminal; one line per tenth otherwise.
#include "manage/progress.h"

#include <unistd.h>

namespace keypaird::manage {

Progress::Progress(std::string label, std::int64_t total, std::FILE* out)
    : Progress(std::move(label), total, out, ::isatty(::fileno(out)) == 1) {}

Progress::Progress(std::string label, std::int64_t total, std::FILE* out, bool terminal)
    : label_(std::move(label)), total_(total), out_(out), terminal_(terminal) {}

void Progress::update(std::int64_t done) {
  done_ = done;
  if (terminal_) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    draw(done);
    return;
  }
  if (total_ <= 0) return;
  int tenth = static_cast<int>(done * 10 / total_);
  if (tenth > last_tenth_ && tenth < 10) {
    last_tenth_ = tenth;
    draw(done);
  }
}

void Progress::draw(std::int64_t done) {
  int percent = total_ > 0 ? static_cast<int>(done * 100 / total_) : 0;
  if (terminal_) {
    constexpr int kWidth = 30;
    int filled = total_ > 0 ? static_cast<int>(done * kWidth / total_) : 0;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '-');
    std::fprintf(out_, "\r%s [%s] %3d%% %lld/%lld", label_.c_str(), bar.c_str(), percent,
                 static_cast<long long>(done), static_cast<long long>(total_));
  } else {
    std::fprintf(out_, "%s: %lld/%lld (%d%%)\n", label_.c_str(), static_cast<long long>(done),
                 static_cast<long long>(total_), percent);
  }
  std::fflush(out_);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (terminal_) {
    draw(done_);
    std::fputc('\n', out_);
  } else {
    draw(done_);
  }
  std::fflush(out_);
}

}  // namespace keypaird::manage
