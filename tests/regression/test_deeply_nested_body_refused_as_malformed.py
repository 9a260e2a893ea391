"""Regression (found by tests/differential against the real nova-api): a body nested 33 or more
levels deep hit Boost.JSON's default depth limit of 32 and keypaird answered "Malformed request
body"; Python's json module parses it and Nova answers the schema error quoting the value as
Python prints it."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)


def nested(levels, leaf):
    for _ in range(levels):
        leaf = [leaf]
    return leaf


class DeepNestingTest(unittest.TestCase):
    def test_deep_values_reach_the_schema(self):
        server = Keypaird(BINARY).start()
        try:
            for levels in (31, 33, 50, 100):
                value = nested(levels, "k0")
                status, body, _ = server.json("POST", "/v2.1/os-keypairs", "alice", "2.10",
                                              {"keypair": {"name": value}})
                self.assertEqual(status, 400, levels)
                self.assertEqual(
                    body["badRequest"]["message"],
                    f"Invalid input for field/attribute name. Value: {value}. "
                    f"{value!r} is not of type 'string'", levels)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
