"""Regression (found by tests/differential against the real nova-api): Nova's next link names
the context's project whenever that project id appears anywhere in the request URL
(`project_id in request.url`: the host and the query count, so the token "bob" with
`?user_id=bob` gets /v2.1/bob/os-keypairs), and sorts the query by name and value, so a
repeated limit keeps the greatest. keypaird named the project only when the path had one, and
kept the last value."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"


class NextLinkTest(unittest.TestCase):
    def test_project_and_sorted_query(self):
        server = Keypaird(BINARY).start()
        try:
            for name in ("k1", "k2", "k3"):
                status, _, _ = server.json("POST", "/v2.1/os-keypairs", "bob", "2.35",
                                           {"keypair": {"name": name, "public_key": KEY}})
                self.assertEqual(status, 201)
            base = f"http://127.0.0.1:{server.port}/v2.1/"
            cases = [
                ("bob", "/v2.1/os-keypairs?user_id=bob&limit=1",
                 base + "bob/os-keypairs?limit=1&user_id=bob&marker=k1"),
                ("bob", "/v2.1/os-keypairs?limit=1",
                 base + "os-keypairs?limit=1&marker=k1"),
                ("bob:b0b", "/v2.1/b0b/os-keypairs?limit=1",
                 base + "b0b/os-keypairs?limit=1&marker=k1"),
                ("bob:1", "/v2.1/os-keypairs?limit=1",  # "1" is in the URL (port, limit)
                 base + "1/os-keypairs?limit=1&marker=k1"),
                ("bob", "/v2.1/os-keypairs?limit=2&limit=1",
                 base + "os-keypairs?limit=2&marker=k1"),
            ]
            for token, path, href in cases:
                status, body, _ = server.json("GET", path, token, "2.35")
                self.assertEqual(status, 200, path)
                self.assertEqual(body["keypairs_links"][0]["href"], href, (token, path))
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
