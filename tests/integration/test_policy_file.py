"""[oslo_policy] policy_file with noauth2 (no Keystone needed): overrides take effect, a
relative path is found next to the config file, and a malformed file stops keypaird at start-up
with a message naming the file and the rule."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from keypaird_process import Keypaird, binary_from_argv

BINARY = binary_from_argv(sys.argv)
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"


class PolicyFileTest(unittest.TestCase):
    def test_overrides_apply(self):
        server = Keypaird(BINARY, "[oslo_policy]\npolicy_file = policy.yaml\n")
        with open(os.path.join(server.dir, "policy.yaml"), "w") as f:
            f.write('"os_compute_api:os-keypairs:delete": "!"\n'
                    '"os_compute_api:os-keypairs:index": "@"\n')
        server.start()
        try:
            status, _, _ = server.json("POST", "/v2.1/os-keypairs", body={
                "keypair": {"name": "k", "public_key": ED25519}})
            self.assertEqual(status, 201)
            status, body, _ = server.json("DELETE", "/v2.1/os-keypairs/k")
            self.assertEqual((status, body), (403, {"forbidden": {"code": 403, "message":
                             "Policy doesn't allow os_compute_api:os-keypairs:delete to be "
                             "performed."}}))
            # Anyone may now list anyone's keypairs.
            status, body, _ = server.json("GET", "/v2.1/os-keypairs?user_id=alice",
                                          token="bob:b0b")
            self.assertEqual((status, len(body["keypairs"])), (200, 1))
            self.assertIn("policy: rules from", server.read_log())
        finally:
            server.cleanup()

    def test_sighup_reloads_the_policy_file_and_keeps_the_old_rules_if_it_breaks(self):
        server = Keypaird(BINARY, "[oslo_policy]\npolicy_file = policy.yaml\n")
        policy = os.path.join(server.dir, "policy.yaml")
        with open(policy, "w") as f:
            f.write('"os_compute_api:os-keypairs:index": "@"\n')
        server.start()
        try:
            def list_as_alice():
                return server.json("GET", "/v2.1/os-keypairs")[0]

            def reload(expect):
                before = server.read_log().count(expect)
                server.process.send_signal(signal.SIGHUP)
                deadline = time.time() + 10
                while server.read_log().count(expect) == before and time.time() < deadline:
                    time.sleep(0.05)
                self.assertGreater(server.read_log().count(expect), before)

            self.assertEqual(list_as_alice(), 200)
            with open(policy, "w") as f:
                f.write('"os_compute_api:os-keypairs:index": "!"\n')
            reload("configuration reloaded")
            self.assertEqual(list_as_alice(), 403)
            with open(policy, "w") as f:
                f.write('"os_compute_api:os-keypairs:index": "role:admin or (\n')
            reload("policy not reloaded")
            self.assertEqual(list_as_alice(), 403)  # the last good rules stay
            self.assertIsNone(server.process.poll())
        finally:
            server.cleanup()

    def test_malformed_policy_file_is_a_start_up_error(self):
        with tempfile.TemporaryDirectory() as d:
            policy = os.path.join(d, "policy.yaml")
            with open(policy, "w") as f:
                f.write('"os_compute_api:os-keypairs:create": "role:admin or (user_id:x"\n')
            conf = os.path.join(d, "k.conf")
            with open(conf, "w") as f:
                f.write(f"[DEFAULT]\nstate_path = {d}\nosapi_compute_listen_port = 0\n"
                        f"[oslo_policy]\npolicy_file = {policy}\n")
            out = subprocess.run([BINARY, "--config-file", conf], capture_output=True,
                                 text=True, timeout=10)
            self.assertNotEqual(out.returncode, 0)
            self.assertIn(policy, out.stderr)
            self.assertIn("os_compute_api:os-keypairs:create", out.stderr)
            self.assertIn("missing ')'", out.stderr)

    def test_missing_policy_file_is_a_start_up_error(self):
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "k.conf")
            with open(conf, "w") as f:
                f.write(f"[DEFAULT]\nstate_path = {d}\nosapi_compute_listen_port = 0\n"
                        "[oslo_policy]\npolicy_file = nowhere.yaml\n")
            out = subprocess.run([BINARY, "--config-file", conf], capture_output=True,
                                 text=True, timeout=10)
            self.assertNotEqual(out.returncode, 0)
            self.assertIn("nowhere.yaml", out.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
