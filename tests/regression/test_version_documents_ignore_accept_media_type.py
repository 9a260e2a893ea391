"""Regression (found by tests/differential against the real nova-api): the media type Nova's URL
map picks from Accept applies to the version documents and the 300 choices page too, not only
to the keypairs answers, and on the index paths ("/", "/v2.1/", "/v2/", not "/v2.1") it offers
application/atom+xml as well (the body stays JSON). keypaird answered them all as
application/json. Outcomes as nova-api 26.2.2 answers them."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)
VND = "application/vnd.openstack.compute+json"
ATOM = "application/atom+xml"
BOTH = ATOM + ", " + VND + ";q=0.5"

CASES = [
    ("/", VND, VND), ("/", ATOM, ATOM), ("/", BOTH, ATOM),
    ("/v2.1", VND, VND), ("/v2.1", ATOM, "application/json"), ("/v2.1", BOTH, VND),
    ("/v2.1/", ATOM, ATOM), ("/v2/", BOTH, ATOM), ("/v2", ATOM, "application/json"),
    ("/foo", VND, VND), ("/foo", ATOM, "application/json"), ("/os-keypairs", BOTH, VND),
    ("/v2.1/os-keypairs", BOTH, VND),
]


class VersionDocumentsTest(unittest.TestCase):
    def test_media_types(self):
        server = Keypaird(BINARY).start()
        try:
            for path, accept, expected in CASES:
                status, headers, body = server.request("GET", path, "alice",
                                                       headers={"Accept": accept})
                headers = dict((k.lower(), v) for k, v in headers)
                self.assertIn(status, (200, 300), path)
                self.assertEqual(headers["content-type"], expected, (path, accept))
                self.assertTrue(body.startswith(b"{"), path)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
