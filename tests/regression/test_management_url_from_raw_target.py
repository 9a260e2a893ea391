"""Regression (found by tests/differential against the real nova-api): noauth2's
X-Server-Management-Url is webob's request URL (the path decoded, runs of slashes made one,
quoted again with "/~!$&'()*+,;=:@" safe; "?query" only when the query is not empty) with its
trailing slashes removed, then "/<project>". keypaird used the raw request target."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)


class ManagementUrlTest(unittest.TestCase):
    def test_url(self):
        server = Keypaird(BINARY).start()
        try:
            host = f"http://127.0.0.1:{server.port}"
            cases = [
                ("/v2.1/os-keypairs?", host + "/v2.1/os-keypairs/p"),
                ("/v2.1/os-keypairs/a%2Fb?foo=bar", host + "/v2.1/os-keypairs/a/b?foo=bar/p"),
                ("/v2.1/os-keypairs/%2e%2e", host + "/v2.1/os-keypairs/../p"),
                ("/v2.1/os-keypairs/%20lead", host + "/v2.1/os-keypairs/%20lead/p"),
                ("//v2.1//os-keypairs/", host + "/v2.1/os-keypairs/p"),
                ("/v2.1/os-keypairs/a%7eb%40c", host + "/v2.1/os-keypairs/a~b@c/p"),
                ("/v2.1/os-keypairs/%C3%A9", host + "/v2.1/os-keypairs/%C3%A9/p"),
            ]
            for path, expected in cases:
                status, headers, _ = server.request("GET", path,
                                                    headers={"X-Auth-User": "u",
                                                             "X-Auth-Project-Id": "p"})
                headers = dict((k.lower(), v) for k, v in headers)
                self.assertEqual(status, 204, path)
                self.assertEqual(headers["x-server-management-url"], expected, path)
                self.assertEqual(headers["x-auth-token"], "u:p", path)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
