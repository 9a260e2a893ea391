"""Regression: a policy_file path naming a directory loaded as an empty policy file (Nova's
defaults, silently). At start-up keypaird must stop with a message; on SIGHUP it must keep
the running rules, as it does for a broken file."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)


class PolicyPathDirectoryRefusedTest(unittest.TestCase):
    def test_directory_stops_start_up(self):
        with tempfile.TemporaryDirectory() as d:
            policy = os.path.join(d, "policy.d")
            os.mkdir(policy)
            conf = os.path.join(d, "k.conf")
            with open(conf, "w") as f:
                f.write(f"[DEFAULT]\nstate_path = {d}\nosapi_compute_listen_port = 0\n"
                        f"[oslo_policy]\npolicy_file = {policy}\n")
            out = subprocess.run([BINARY, "--config-file", conf], capture_output=True,
                                 text=True, timeout=10)
            self.assertNotEqual(out.returncode, 0)
            self.assertIn(policy, out.stderr)
            self.assertIn("is a directory", out.stderr)

    def test_directory_on_sighup_keeps_the_running_rules(self):
        server = Keypaird(BINARY, "[oslo_policy]\npolicy_file = policy.yaml\n")
        policy = os.path.join(server.dir, "policy.yaml")
        with open(policy, "w") as f:
            f.write('"os_compute_api:os-keypairs:index": "!"\n')
        server.start()
        try:
            self.assertEqual(server.json("GET", "/v2.1/os-keypairs")[0], 403)
            os.remove(policy)
            os.mkdir(policy)
            before = server.read_log().count("policy not reloaded")
            server.process.send_signal(signal.SIGHUP)
            deadline = time.time() + 10
            while server.read_log().count("policy not reloaded") == before and \
                    time.time() < deadline:
                time.sleep(0.05)
            log = server.read_log()
            self.assertGreater(log.count("policy not reloaded"), before, log)
            self.assertIn("is a directory", log)
            self.assertEqual(server.json("GET", "/v2.1/os-keypairs")[0], 403)
            self.assertIsNone(server.process.poll())
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
