// No core dumps: the process is marked not dumpable and its core size limit is 0. The key pool
// holds private keys for future requests, so a core taken at any moment would hold them.
#include "common/process_hardening.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace keypaird::common {

std::string disable_core_dumps() {
  std::string problems;
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    problems = std::string("prctl(PR_SET_DUMPABLE, 0): ") + std::strerror(errno);
  }
  // Under the systemd unit (LimitCORE=0) the limit is 0 already; lowering needs no privilege.
  rlimit core{};
  if (getrlimit(RLIMIT_CORE, &core) != 0 || core.rlim_cur != 0 || core.rlim_max != 0) {
    core.rlim_cur = 0;
    core.rlim_max = 0;
    if (setrlimit(RLIMIT_CORE, &core) != 0) {
      if (!problems.empty()) problems += "; ";
      problems += std::string("setrlimit(RLIMIT_CORE, 0): ") + std::strerror(errno);
    }
  }
  return problems;
}

}  // namespace keypaird::common
