"""Bug: the systemd unit killed keypaird at every start. `SystemCallFilter=~@privileged
@resources` removed setpriority() (in @resources), which each key pool thread called at once,
and with no SystemCallErrorNumber= the kernel killed the process with SIGSYS (exit status 159);
Restart=on-failure then looped it. Fixed in the unit (SystemCallErrorNumber=EPERM, and
sched_setscheduler allowed back for the pool's SCHED_IDLE) and in the pool (a refused priority
change is never fatal). Here: the installed keypaird, under the installed unit's restrictions
(tests/integration/systemd_sandbox.py), is still alive and answering once its pool threads run,
with those threads at SCHED_IDLE."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import systemd_sandbox as sandbox  # noqa: E402
from keypaird_process import binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)
SCHED_IDLE = 5


@unittest.skipIf(sandbox.unavailable(), sandbox.unavailable())
class SetpriorityUnderTheUnitsFilter(unittest.TestCase):
    def test_keypaird_survives_its_start_under_the_units_system_call_filter(self):
        server = sandbox.SandboxedKeypaird(os.path.dirname(os.path.abspath(BINARY)))
        try:
            server.start(wait=False)
            deadline = time.time() + 30
            answered = False
            while time.time() < deadline and not answered:
                self.assertIsNone(server.process.poll(),
                                  f"{sandbox.describe(server.process.returncode)}\n"
                                  f"{server.output()}")
                try:
                    answered = server.request("GET", "/")[0] == 200
                except OSError:
                    time.sleep(0.05)
            self.assertTrue(answered, server.output())
            policies = []
            pid = server.process.pid
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    if f.read().strip() == "keypaird-pool":
                        with open(f"/proc/{pid}/task/{tid}/stat") as stat:
                            policies.append(int(stat.read().rsplit(")", 1)[1].split()[38]))
            self.assertTrue(policies, "the key pool threads are running")
            self.assertEqual(set(policies), {SCHED_IDLE})
            time.sleep(1)
            self.assertIsNone(server.process.poll(), sandbox.describe(server.process.returncode))
            self.assertEqual(server.request("GET", "/")[0], 200)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
