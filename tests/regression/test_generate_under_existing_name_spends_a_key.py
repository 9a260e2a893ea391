"""Regression: a generate request under a name the user already has ran a whole RSA generation
(or took a key from the pool, meant for the next user) before answering 409. The duplicate is
now found before any key is made: the 409 is the same, and the pool keeps its keys."""

import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)
ED25519 = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"
           " me@host")


class GenerateDuplicateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Keypaird(BINARY, "[keypaird]\nmetrics_token = m3trics\nkey_pool_size = 2\n"
                                      "key_generation_threads = 1\n").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def pool_size(self):
        status, _, body = self.server.request(
            "GET", "/metrics", headers={"Authorization": "Bearer m3trics"})
        self.assertEqual(status, 200)
        match = re.search(r"^keypaird_key_pool_size (\S+)$", body.decode(), re.M)
        return float(match.group(1))

    def test_duplicate_generate_takes_no_pooled_key(self):
        deadline = time.time() + 120
        while self.pool_size() < 2:
            self.assertLess(time.time(), deadline, "the pool never filled")
            time.sleep(0.1)
        status, _, _ = self.server.json("POST", "/v2.1/os-keypairs",
                                        body={"keypair": {"name": "dup", "public_key": ED25519}})
        self.assertEqual(status, 201)
        for version in ("2.1", "2.10", "2.91"):
            for _ in range(3):
                status, body, _ = self.server.json("POST", "/v2.1/os-keypairs", version=version,
                                                   body={"keypair": {"name": "dup"}})
                self.assertEqual(status, 409)
                self.assertEqual(body["conflictingRequest"]["message"],
                                 "Key pair 'dup' already exists.")
                self.assertEqual(self.pool_size(), 2)
        # A free name still gets a generated key.
        status, body, _ = self.server.json("POST", "/v2.1/os-keypairs",
                                           body={"keypair": {"name": "fresh"}})
        self.assertEqual(status, 201)
        self.assertIn("BEGIN RSA PRIVATE KEY", body["keypair"]["private_key"])


if __name__ == "__main__":
    unittest.main()
