"""Regression (found by tests/differential against the real nova-api): Python's json reads
integers of any size, so Nova's schema errors quote them exactly ("Value: 100000000000000000000.
100000000000000000000 is not of type 'string'"); keypaird's JSON reader turned integers beyond
64 bits into floats and quoted 1e+20. Integers over Python's 4,300-digit conversion limit make
json.loads raise: Nova calls the body malformed."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)


class BigIntegersTest(unittest.TestCase):
    def test_quoted_exactly(self):
        server = Keypaird(BINARY).start()
        try:
            for number in ("100000000000000000000", "-9223372036854775809",
                           "18446744073709551616", "123456789012345678901234567890"):
                for field in ("name", "public_key", "user_id"):
                    other = "" if field == "name" else '"name": "k", '
                    raw = ('{"keypair": {%s"%s": %s}}' % (other, field, number)).encode()
                    status, _, body = server.request(
                        "POST", "/v2.1/os-keypairs", "alice", "2.10", raw_body=raw,
                        headers={"Content-Type": "application/json"})
                    self.assertEqual(status, 400, raw)
                    self.assertIn(f"Value: {number}. {number} is not of type 'string'",
                                  body.decode(), raw)
            status, _, body = server.request(
                "POST", "/v2.1/os-keypairs", "alice", "2.10",
                raw_body=('{"keypair": %s}' % ("1" * 4301)).encode(),
                headers={"Content-Type": "application/json"})
            self.assertEqual((status, b"Malformed request body" in body), (400, True))
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
