"""Regression (found by tests/differential against the real nova-api): Nova's name rules come
from Python's unicodedata (printable: not C*, not Z* but Zs, Basic Multilingual Plane only), and
its messages quote values with repr(), which escapes what str.isprintable() refuses. keypaird
approximated both with hand-written ranges, so unassigned code points (U+0378, U+FFF0) passed as
printable and repr showed them bare. Also: every name rule (2.92's and /v2's too) ends in
Python's `$`, so one final newline passes the printable check; /v2 then strips it; and the
schema's property order is name, type, public_key, user_id."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"
INVALID = "An invalid 'name' value was provided. The name must be: "
PRINTABLE = INVALID + "printable characters. Can not start or end with whitespace."
ONLY_20 = INVALID + ("Only expected characters: [_- 0123456789abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ]")
ONLY_292 = INVALID + ("Only expected characters: [@._- 0123456789abcdefghijklmnopqrstuvwxyz"
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ]")


class NameRulesTest(unittest.TestCase):
    def setUp(self):
        self.server = Keypaird(BINARY).start()

    def tearDown(self):
        self.server.cleanup()

    def create(self, path, version, keypair):
        raw = json.dumps({"keypair": keypair}).encode()
        status, _, body = self.server.request("POST", path, "alice", version, raw_body=raw,
                                              headers={"Content-Type": "application/json"})
        return status, json.loads(body) if body else None

    def message(self, path, version, keypair):
        status, body = self.create(path, version, keypair)
        self.assertEqual(status, 400, keypair)
        return body["badRequest"]["message"]

    def test_unassigned_code_points_not_printable(self):
        for name in ("a\u0378b", "\ufff0", "x\u2065"):
            self.assertEqual(self.message("/v2.1/os-keypairs", "2.10", {"name": name}),
                             PRINTABLE, repr(name))
        # repr escapes them as Python does (the "is too long" message quotes the name)
        long_name = "\u0378" + "a" * 255
        self.assertIn("'\\u0378" + "a" * 10,
                      self.message("/v2.1/os-keypairs", "2.10", {"name": long_name}))

    def test_final_newline(self):
        self.assertEqual(self.message("/v2.1/os-keypairs", "2.10", {"name": "nl\n"}), ONLY_20)
        self.assertEqual(self.message("/v2.1/os-keypairs", "2.92",
                                      {"name": "nl\n", "public_key": KEY}), ONLY_292)
        self.assertEqual(self.message("/v2.1/os-keypairs", "2.92",
                                      {"name": "nl\n\n", "public_key": KEY}), PRINTABLE)
        status, body = self.create("/v2/os-keypairs", None, {"name": "nl\n", "public_key": KEY})
        self.assertEqual((status, body["keypair"]["name"]), (200, "nl"))

    def test_type_checked_before_public_key(self):
        message = self.message("/v2.1/os-keypairs", "2.10",
                               {"name": "k1", "public_key": [None], "type": None})
        self.assertEqual(message, "Invalid input for field/attribute type. Value: None. None is "
                                  "not of type 'string'")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
