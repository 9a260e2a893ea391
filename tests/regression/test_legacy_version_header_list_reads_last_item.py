"""Regression (found by tests/differential against the real nova-api): microversion_parse reads
X-OpenStack-Nova-API-Version as a list and takes its last comma-separated item, stripped
("2,10" asks for "10", "2.1, 2.5" for 2.5); keypaird read the whole value. Whitespace is what
Python's strip() removes from latin-1 text (NBSP included)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)


class LegacyHeaderTest(unittest.TestCase):
    def test_last_item(self):
        server = Keypaird(BINARY).start()
        try:
            for value, answered in (("2.1, 2.5", "2.5"), ("2.50,2.10", "2.10"),
                                    ("2.5\xa0", "2.5"), ("compute 2.5, 2.2", "2.2")):
                status, _, headers = server.json(
                    "GET", "/v2.1/os-keypairs", "alice", None,
                    headers={"X-OpenStack-Nova-API-Version": value})
                self.assertEqual((status, headers["x-openstack-nova-api-version"]),
                                 (200, answered), value)
            for value, quoted in (("2,10", "10"), ("2.1,", ""), ("2.1,x", "x")):
                status, body, _ = server.json("GET", "/v2.1/os-keypairs", "alice", None,
                                              headers={"X-OpenStack-Nova-API-Version": value})
                self.assertEqual(status, 400, value)
                self.assertEqual(body["badRequest"]["message"],
                                 f"API Version String {quoted} is of invalid format. Must be of "
                                 "format MajorNum.MinorNum.", value)
            # The standard header still wins, its last compute entry.
            status, _, headers = server.json(
                "GET", "/v2.1/os-keypairs", "alice", None,
                headers={"OpenStack-API-Version": "compute 2.3, other 2.9,compute\xa02.4",
                         "X-OpenStack-Nova-API-Version": "2.5"})
            self.assertEqual((status, headers["x-openstack-nova-api-version"]), (200, "2.4"))
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
