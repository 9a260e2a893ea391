"""Regression (found by tests/differential against the real nova-api): paste's URL map, in
front of Nova, makes every run of slashes one before it matches "/v2.1", "/v2" and "/", and
hands the app that path. So `//v2.1/os-keypairs` is the keypairs list, `/v2.1//` the v2.1
document and `//` the root document. keypaird answered them with the 300 choices page."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"


class LeadingSlashesTest(unittest.TestCase):
    def test_runs_of_slashes_are_one(self):
        server = Keypaird(BINARY).start()
        try:
            status, _, _ = server.json("POST", "//v2.1/os-keypairs", "alice", "2.10",
                                       {"keypair": {"name": "k", "public_key": KEY}})
            self.assertEqual(status, 201)
            for path in ("//v2.1/os-keypairs", "///v2.1//os-keypairs", "//v2/os-keypairs"):
                status, body, headers = server.json("GET", path, "alice", "2.10")
                self.assertEqual(status, 200, path)
                self.assertEqual([k["keypair"]["name"] for k in body["keypairs"]], ["k"], path)
            status, body, _ = server.json("GET", "//v2.1/os-keypairs/k", "alice", "2.10")
            self.assertEqual((status, body["keypair"]["name"]), (200, "k"))
            status, body, _ = server.json("GET", "/v2.1//", "alice", "2.10")
            self.assertEqual(status, 200)
            self.assertEqual(body["version"]["id"], "v2.1")
            status, body, _ = server.json("GET", "//", None, None)
            self.assertEqual(status, 200)
            self.assertEqual([v["id"] for v in body["versions"]], ["v2.0", "v2.1"])
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
