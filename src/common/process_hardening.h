// Protections keypaird applies to itself at start, before it holds any secret: no core dumps,
// and no reading of its memory by other processes of the same user.
#pragma once

#include <string>

namespace keypaird::common {

// Marks the process not dumpable (prctl PR_SET_DUMPABLE 0: the kernel writes no core file, and
// /proc/PID/mem, /proc/PID/environ and ptrace become closed to processes of the same user that
// lack CAP_SYS_PTRACE) and sets RLIMIT_CORE to 0, soft and hard, so no child or later change can
// turn dumps back on. Call once, early in main, before any thread starts (dumpability is
// per process, the limit is inherited by threads). Returns what failed, or an empty string.
std::string disable_core_dumps();

}  // namespace keypaird::common
