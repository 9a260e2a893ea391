"""Regression (found by tests/differential against the real nova-api): with noauth2,
`X-Auth-Token: ""` and `X-Auth-Token: ":project"` give Nova a context whose user_id is None
(and, for "", project_id None). Nova then says "... not found for user None" and "Context's
project_id 'None'", refuses a create with a bare 403 Forbidden (its quota check, before the key
is even looked at) and stores nothing. keypaird said "for user " and "project_id ''", and
created keypairs for the empty user id."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"


class UserNoneTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Keypaird(BINARY, extra_config="[api]\nauth_strategy = noauth2\n").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_no_user_is_none_everywhere(self):
        for token in ("", ":e0e0e0e0"):
            with self.subTest(token=token):
                for body in ({"keypair": {"name": "k", "public_key": KEY}},
                             {"keypair": {"name": "k", "public_key": "not a key"}},
                             {"keypair": {"name": "g"}}):
                    status, answer, _ = self.server.json("POST", "/v2.1/os-keypairs", token,
                                                         "2.10", body)
                    self.assertEqual((status, answer),
                                     (403, {"forbidden": {"code": 403, "message": "Forbidden"}}))
                status, answer, _ = self.server.json("GET", "/v2.1/os-keypairs", token, "2.10")
                self.assertEqual((status, answer), (200, {"keypairs": []}))
                for method in ("GET", "DELETE"):
                    status, answer, _ = self.server.json(method, "/v2.1/os-keypairs/k", token,
                                                         "2.10")
                    self.assertEqual(status, 404)
                    self.assertEqual(answer["itemNotFound"]["message"],
                                     "Keypair k not found for user None")
        status, answer, _ = self.server.json("GET", "/v2.1/f00d/os-keypairs", "", "2.10")
        self.assertEqual(status, 400)
        self.assertEqual(answer["badRequest"]["message"],
                         "Malformed request URL: URL's project_id 'f00d' doesn't match "
                         "Context's project_id 'None'")
        # Nothing was stored for the empty user id.
        status, answer, _ = self.server.json("GET", "/v2.1/os-keypairs?user_id=", "admin", "2.10")
        self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main()
