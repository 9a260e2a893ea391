"""Regression: at max_header_line = 16384 a request with one 16,452-byte field, or 20,389
bytes spread over several fields, was served: the limit was applied to what the parser had
buffered, not to the header as a whole. The request line and fields together must stay within
the limit (431 and close); a header just under it is served."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402
from raw_http import RawConnection, get  # noqa: E402

BINARY = binary_from_argv(sys.argv)
LIMIT = 16384


class HeaderLimitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Keypaird(BINARY).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def exchange(self, data, chunks=1):
        c = RawConnection(self.server.port)
        try:
            step = max(1, len(data) // chunks)
            for i in range(0, len(data), step):
                c.send(data[i:i + step])
            return c.read_response()
        finally:
            c.close()

    def request_of_size(self, total, fields):
        base = get("/v2.1/os-keypairs")
        room = total - len(base)
        extra = b""
        for i in range(fields):
            name = b"X-Pad-%d: " % i
            size = room // fields if i < fields - 1 else room - len(extra)
            extra += name + b"a" * (size - len(name) - 2) + b"\r\n"
        request = base[:-2] + extra + b"\r\n"
        self.assertEqual(len(request), total)
        return request

    def test_header_over_the_limit_is_431_however_it_is_split(self):
        for total, fields in ((16452 + 100, 1), (20389, 5), (LIMIT + 1, 1), (LIMIT + 1, 40)):
            for chunks in (1, 7):
                status, headers, _ = self.exchange(self.request_of_size(total, fields), chunks)
                self.assertEqual(status, 431, (total, fields, chunks))
                self.assertEqual(headers["connection"], "close")

    def test_header_at_the_limit_is_served(self):
        for fields in (1, 40):
            status, _, _ = self.exchange(self.request_of_size(LIMIT, fields), 3)
            self.assertEqual(status, 200, fields)


if __name__ == "__main__":
    unittest.main()
