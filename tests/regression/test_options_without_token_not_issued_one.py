"""Regression (found by tests/differential against the real nova-api): nova-api answers an
OPTIONS with an X-Auth-Token with an empty 200 (no request id), but one without a token goes
through noauth2 like any other method and gets its 204 with a token and X-Server-Management-Url;
OPTIONS on / and /v2.1 are the version documents. keypaird answered every OPTIONS with the
empty 200."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)


class OptionsTest(unittest.TestCase):
    def test_options(self):
        server = Keypaird(BINARY).start()
        try:
            def options(path, headers):
                status, h, body = server.request("OPTIONS", path, headers=headers)
                return status, dict((k.lower(), v) for k, v in h), body
            status, headers, _ = options("/v2.1/os-keypairs", {})
            self.assertEqual((status, headers["x-auth-token"]), (204, "admin:admin"))
            self.assertIn("x-openstack-request-id", headers)
            status, headers, _ = options("/v2/os-keypairs/k", {"X-Auth-User": "u"})
            self.assertEqual((status, headers["x-auth-token"]), (204, "u:admin"))
            for token in ("alice", ""):
                status, headers, body = options("/v2.1/os-keypairs", {"X-Auth-Token": token})
                self.assertEqual((status, body), (200, b""))
                self.assertNotIn("x-openstack-request-id", headers)
            status, _, body = options("/", {})
            self.assertEqual(status, 200)
            self.assertIn(b'"versions"', body)
            status, _, body = options("/v2.1", {})
            self.assertIn(b'"version"', body)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
