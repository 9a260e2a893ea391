"""Regression: a policy file starting with a UTF-8 byte order mark (as editors on Windows
write it) lost its first rule - the mark became part of the rule's name, so Nova's default
stayed in force and a create restricted to admins answered 201 to a member. YAML and JSON."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"
BOM = b"\xef\xbb\xbf"


class PolicyFileWithBomTest(unittest.TestCase):
    def check(self, name, content):
        server = Keypaird(BINARY, f"[oslo_policy]\npolicy_file = {name}\n")
        with open(os.path.join(server.dir, name), "wb") as f:
            f.write(BOM + content)
        server.start()
        try:
            create = {"keypair": {"name": "k", "public_key": ED25519}}
            status, body, _ = server.json("POST", "/v2.1/os-keypairs", body=create)
            self.assertEqual((status, body), (403, {"forbidden": {"code": 403, "message":
                             "Policy doesn't allow os_compute_api:os-keypairs:create to be "
                             "performed."}}))
            status, _, _ = server.json("POST", "/v2.1/os-keypairs", token="admin:admin",
                                       body=create)
            self.assertEqual(status, 201)
        finally:
            server.cleanup()

    def test_yaml(self):
        self.check("policy.yaml", b'"os_compute_api:os-keypairs:create": "role:admin"\n'
                                  b'"os_compute_api:os-keypairs:index": "@"\n')

    def test_json(self):
        self.check("policy.json", b'{"os_compute_api:os-keypairs:create": "role:admin"}\n')


if __name__ == "__main__":
    unittest.main(verbosity=2)
