"""Regression (found by tests/differential against the real nova-api): a WSGI server hands
header values to Python as latin-1 text, so Nova's noauth2 identity for the token "ключ:proj"
is the latin-1 reading of its UTF-8 bytes: that is the user id Nova stores and quotes
("... not found for user ÐºÐ»Ñ\\x8eÑ\\x87"). keypaird took the bytes as UTF-8, so its user ids
differed from Nova's for the same token (a shared key_pairs table would not match)."""

import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)
TOKEN = "ключ:proj".encode("utf-8").decode("latin-1")  # http.client sends latin-1
AS_NOVA = "ключ".encode("utf-8").decode("latin-1")


class Latin1IdentityTest(unittest.TestCase):
    def test_user_quoted_and_stored_as_nova_does(self):
        server = Keypaird(BINARY).start()
        try:
            status, body, _ = server.json("GET", "/v2.1/os-keypairs/missing", TOKEN, "2.10")
            self.assertEqual(status, 404)
            self.assertEqual(body["itemNotFound"]["message"],
                             f"Keypair missing not found for user {AS_NOVA}")
            # An admin acting for that user names it as Nova stores it.
            status, body, _ = server.json("POST", "/v2.1/os-keypairs", TOKEN, "2.10",
                                          {"keypair": {"name": "k"}})
            self.assertEqual(status, 201)
            status, body, _ = server.json(
                "GET", "/v2.1/os-keypairs?user_id=" + urllib.parse.quote(AS_NOVA), "admin", "2.10")
            self.assertEqual([k["keypair"]["name"] for k in body["keypairs"]], ["k"])
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
