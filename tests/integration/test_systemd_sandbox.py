"""The installed keypaird, run under the restrictions its installed systemd unit declares
(reproduced without systemd: see systemd_sandbox.py for what is and what is not), starts, serves
a full workload, survives SIGHUP and stops with status 0 on SIGTERM. Its key pool threads run
at idle priority there. With the unit before the fix (SystemCallFilter=~@resources and no
SystemCallErrorNumber=) the pool's setpriority() got the process killed by SIGSYS at start."""

import os
import signal
import sys
import time
import unittest

import systemd_sandbox as sandbox
from keypaird_process import binary_from_argv

BINARY = binary_from_argv(sys.argv)
BUILD_DIR = os.path.dirname(os.path.abspath(BINARY))
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"
SCHED_IDLE = 5


def status_fields(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def pool_threads(pid):
    """tid -> scheduling policy of the process's key pool threads."""
    threads = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            if f.read().strip() != "keypaird-pool":
                continue
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        threads[int(tid)] = int(fields[38])  # field 41, policy; fields[0] is field 3
    return threads


@unittest.skipIf(sandbox.unavailable(), sandbox.unavailable())
class SystemdSandboxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = sandbox.SandboxedKeypaird(BUILD_DIR)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_1_the_unit_restrictions_are_in_force(self):
        s = self.server
        fields = status_fields(s.process.pid)
        self.assertEqual(fields["Seccomp"], "2", "a seccomp filter is loaded")
        self.assertEqual(fields["NoNewPrivs"], "1")
        self.assertEqual(int(fields["CapBnd"], 16), 0)
        self.assertEqual(int(fields["CapEff"], 16), 0)
        uid = sandbox.pwd.getpwnam(s.unit["User"][-1]).pw_uid
        self.assertEqual(int(fields["Uid"].split()[0]), uid)
        self.assertEqual(fields["Umask"], "0077")
        with open(f"/proc/{s.process.pid}/limits") as f:
            core = [l for l in f if l.startswith("Max core file size")][0].split()
        self.assertEqual(core[4:6], ["0", "0"])
        # Alive well past the moment the pool threads lowered their priority.
        time.sleep(2)
        self.assertIsNone(s.process.poll(), sandbox.describe(s.process.returncode))
        threads = pool_threads(s.process.pid)
        self.assertGreater(len(threads), 0)
        self.assertEqual(set(threads.values()), {SCHED_IDLE}, threads)

    def test_2_a_full_workload(self):
        s = self.server
        status, body, _ = s.json("POST", "/v2.1/os-keypairs",
                                 body={"keypair": {"name": "imported", "public_key": ED25519}})
        self.assertEqual(status, 201, body)
        status, body, _ = s.json("POST", "/v2.1/os-keypairs", body={"keypair": {"name": "made"}})
        self.assertEqual(status, 201, body)
        self.assertTrue(body["keypair"]["private_key"].startswith("-----BEGIN RSA PRIVATE KEY"))
        status, body, _ = s.json("GET", "/v2.1/os-keypairs")
        self.assertEqual(status, 200)
        self.assertEqual(sorted(k["keypair"]["name"] for k in body["keypairs"]),
                         ["imported", "made"])
        status, body, _ = s.json("GET", "/v2.1/os-keypairs/made")
        self.assertEqual((status, body["keypair"]["name"]), (200, "made"))
        self.assertEqual(s.json("DELETE", "/v2.1/os-keypairs/imported")[0], 204)
        self.assertEqual(s.json("GET", "/v2.1/os-keypairs/imported")[0], 404)
        self.assertEqual(s.request("GET", "/healthcheck")[0], 200)
        # The store is in the StateDirectory, owned by the unit's user, private to it.
        db = os.path.join(s.state_dir, "keypaird.sqlite")
        st = os.stat(db)
        self.assertEqual(st.st_uid, sandbox.pwd.getpwnam(s.unit["User"][-1]).pw_uid)
        self.assertEqual(st.st_mode & 0o077, 0)
        self.assertTrue(os.path.exists(os.path.join(s.logs_dir, "keypaird.log")))

    def test_3_sighup_then_sigterm(self):
        s = self.server
        s.process.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        self.assertIsNone(s.process.poll(), sandbox.describe(s.process.returncode))
        self.assertEqual(s.json("GET", "/v2.1/os-keypairs")[0], 200)
        self.assertIn("SIGHUP: configuration reloaded", s.output())
        s.process.send_signal(signal.SIGTERM)
        s.process.wait(30)
        self.assertEqual(s.process.returncode, 0, sandbox.describe(s.process.returncode))


if __name__ == "__main__":
    unittest.main(verbosity=2)
