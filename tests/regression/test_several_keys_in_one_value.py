"""Regression: several keys in one value (`k1 + "\\n" + command="..." k2`) were stored as one key
whose fingerprint covers only the first, and cloud-init then writes both lines into a guest's
authorized_keys. Nova accepts this, so by default keypaird still does; with [keypaird]
strict_public_keys = true a value must be one key on one line (no line breaks or control
characters)."""

import base64
import os
import struct
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"


def rsa_line(bits):
    """An ssh-rsa key line with a modulus of `bits` bits (pyca checks only the numbers)."""
    def ssh_string(data):
        return struct.pack(">I", len(data)) + data

    def mpint(value):
        return ssh_string(value.to_bytes((value.bit_length() + 8) // 8, "big"))

    blob = ssh_string(b"ssh-rsa") + mpint(65537) + mpint((1 << (bits - 1)) | 1)
    return "ssh-rsa " + base64.b64encode(blob).decode()


class StrictPublicKeysTest(unittest.TestCase):
    TWO_KEYS = ED25519 + " first\n" + 'command="/bin/sh -c evil" ' + rsa_line(2048) + " second"

    def test_default_accepts_what_nova_accepts(self):
        server = Keypaird(BINARY).start()
        try:
            status, _, _ = server.json("POST", "/v2.1/os-keypairs",
                                       body={"keypair": {"name": "two",
                                                         "public_key": self.TWO_KEYS}})
            self.assertEqual(status, 201)
        finally:
            server.cleanup()

    def test_strict_refuses_a_second_line_and_control_characters(self):
        server = Keypaird(BINARY, "[keypaird]\nstrict_public_keys = true\n").start()
        try:
            for i, key in enumerate((self.TWO_KEYS, ED25519 + " a\rb", ED25519 + " a\u2028b",
                                     ED25519 + " a\u0085b", ED25519 + " a\u0000b")):
                status, body, _ = server.json("POST", "/v2.1/os-keypairs",
                                              body={"keypair": {"name": f"s{i}",
                                                                "public_key": key}})
                self.assertEqual(status, 400, key)
                self.assertIn("one line", body["badRequest"]["message"])
            for i, key in enumerate((ED25519, ED25519 + " me@host", ED25519 + " tab\there",
                                     ED25519 + " final newline\n")):
                status, body, _ = server.json("POST", "/v2.1/os-keypairs",
                                              body={"keypair": {"name": f"ok{i}",
                                                                "public_key": key}})
                self.assertEqual(status, 201, (key, body))
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
