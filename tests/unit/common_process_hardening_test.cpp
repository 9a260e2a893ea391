// disable_core_dumps: afterwards the process is not dumpable and may not dump a core of any
// size, even after trying to raise the limit again. Checked in a forked child, since both are
// process-wide and irreversible.
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>

#include "common/process_hardening.h"

namespace {

[[noreturn]] void harden_and_check() {
  const std::string problem = keypaird::common::disable_core_dumps();
  if (!problem.empty()) {
    std::fprintf(stderr, "problem: %s\n", problem.c_str());
    std::_Exit(1);
  }
  if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) std::_Exit(2);
  rlimit core{};
  if (getrlimit(RLIMIT_CORE, &core) != 0 || core.rlim_cur != 0 || core.rlim_max != 0) {
    std::_Exit(3);
  }
  // The hard limit is 0 too: raising it back is refused (without CAP_SYS_RESOURCE) or, as root
  // with it, is what the check above is about; the soft limit cannot pass the hard one.
  core.rlim_cur = RLIM_INFINITY;
  if (setrlimit(RLIMIT_CORE, &core) == 0) std::_Exit(4);
  // Calling it twice is harmless.
  if (!keypaird::common::disable_core_dumps().empty()) std::_Exit(5);
  std::_Exit(0);
}

}  // namespace

TEST(ProcessHardening, DisablesCoreDumpsForGood) {
  EXPECT_EXIT(harden_and_check(), ::testing::ExitedWithCode(0), "");
}
