"""Regression (found by tests/differential against the real nova-api): before 2.92 Nova checks
a keypair name for "printable, no whitespace at either end" with a Python regex ending in `$`,
which also matches just before a final newline, so "abc\\n" passes that check and fails the
next one: the message is the "Only expected characters" one. keypaird answered the "printable
characters" message."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"
PREFIX = "An invalid 'name' value was provided. The name must be: "
ONLY = PREFIX + "Only expected characters: [_- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]"
PRINTABLE = PREFIX + "printable characters. Can not start or end with whitespace."


class FinalNewlineTest(unittest.TestCase):
    def test_final_newline(self):
        server = Keypaird(BINARY).start()
        try:
            for name, version, message in (("abc\n", "2.10", ONLY), ("abc\n", "2.1", ONLY),
                                           ("nl\n", "2.91", ONLY), ("ab \n", "2.10", PRINTABLE),
                                           ("\n", "2.10", PRINTABLE),
                                           ("abc\n\n", "2.10", PRINTABLE),
                                           ("\nabc", "2.10", PRINTABLE)):
                status, body, _ = server.json("POST", "/v2.1/os-keypairs", "alice", version,
                                              {"keypair": {"name": name, "public_key": KEY}})
                self.assertEqual((status, body["badRequest"]["message"]), (400, message),
                                 (name, version))
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
