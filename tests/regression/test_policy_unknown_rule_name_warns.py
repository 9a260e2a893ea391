"""Regression: a policy file rule whose name no rule uses (a typo such as
os_compute_api:os-keypair:create) was accepted silently, leaving Nova's default in force.
keypaird now warns at load, naming it; names it knows, and names another rule refers to with
rule:name, draw no warning."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)


class PolicyUnknownRuleNameWarnsTest(unittest.TestCase):
    def test_typo_is_warned_about(self):
        server = Keypaird(BINARY, "[oslo_policy]\npolicy_file = policy.yaml\n")
        with open(os.path.join(server.dir, "policy.yaml"), "w") as f:
            f.write('"os_compute_api:os-keypair:create": "role:admin"\n'
                    '"my_admins": "role:admin"\n'
                    '"os_compute_api:os-keypairs:delete": "rule:my_admins"\n'
                    '"context_is_admin": "role:admin"\n')
        server.start()
        try:
            lines = server.read_log().splitlines()
            typo = [line for line in lines if '"os_compute_api:os-keypair:create"' in line]
            self.assertEqual(len(typo), 1, lines)
            self.assertIn("warn", typo[0].lower())
            self.assertIn("is not a rule keypaird knows", typo[0])
            for name in ("my_admins", "os_compute_api:os-keypairs:delete", "context_is_admin"):
                self.assertFalse([line for line in lines if f'"{name}" is not' in line], name)
            # The misspelt rule changed nothing: the default still lets alice create.
            status, _, _ = server.json("POST", "/v2.1/os-keypairs", body={
                "keypair": {"name": "k", "public_key":
                            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMu"
                            "Lqi8z88QC5UlHXni"}})
            self.assertEqual(status, 201)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
