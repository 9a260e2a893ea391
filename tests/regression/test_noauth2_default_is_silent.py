"""Regression: the installed configuration defaults to noauth2, where anyone who reaches the
port is admin, and keypaird said nothing about it. It now warns at start, naming the address;
with Keystone it does not."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)


class NoAuth2WarningTest(unittest.TestCase):
    def test_noauth2_start_warns_once(self):
        server = Keypaird(BINARY).start()
        try:
            log = server.read_log()
            self.assertEqual(log.count("noauth2 (development only)"), 1, log)
            self.assertIn(f"127.0.0.1:{server.port}", log)
            self.assertIn("auth_strategy = keystone", log)
            line = next(l for l in log.splitlines() if "noauth2 (development only)" in l)
            self.assertIn("warn", line.lower())
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
