"""Regression: an RSA public key of 660,000 bits (110 KB) was accepted, so 100 of them made one
100-byte list request answer 11 MB. Public keys over [keypaird] max_public_key_size (16 KiB by
default) and RSA moduli over 16384 bits (OpenSSH or x509) now get 400 in Nova's format; keys at
the limits are still accepted."""

import base64
import datetime
import os
import struct
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"


def ssh_string(data):
    return struct.pack(">I", len(data)) + data


def mpint(value):
    data = value.to_bytes((value.bit_length() + 8) // 8, "big")  # a leading zero byte
    return ssh_string(data)


def rsa_line(bits, comment=""):
    """An ssh-rsa key line whose modulus has exactly `bits` bits (pyca checks only that n is at
    least 3 and e odd in [3, n), so no factoring is needed)."""
    n = (1 << (bits - 1)) | 1
    blob = ssh_string(b"ssh-rsa") + mpint(65537) + mpint(n)
    line = "ssh-rsa " + base64.b64encode(blob).decode()
    return line + (" " + comment if comment else "")


def x509_with_rsa_bits(bits):
    """A PEM certificate, signed by a small CA key, for an RSA public key of `bits` bits."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    ca = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject_key = rsa.RSAPublicNumbers(65537, (1 << (bits - 1)) | 1).public_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "big")])
    now = datetime.datetime(2026, 1, 1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(subject_key).serial_number(7).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=3650)).sign(ca, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


class OversizedKeysTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Keypaird(BINARY, "[quota]\nkey_pairs = -1\n").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def create(self, name, key, version="2.10", key_type=None):
        body = {"keypair": {"name": name, "public_key": key}}
        if key_type:
            body["keypair"]["type"] = key_type
        return self.server.json("POST", "/v2.1/os-keypairs", version=version, body=body)

    def assert_refused(self, name, key, words, **kw):
        status, body, headers = self.create(name, key, **kw)
        self.assertEqual(status, 400, body)
        message = body["badRequest"]["message"]
        self.assertTrue(message.startswith("Keypair data is invalid: "), message)
        self.assertIn(words, message)
        self.assertEqual(body["badRequest"]["code"], 400)
        self.assertTrue(headers["content-type"].startswith("application/json"))
        status, _, _ = self.server.json("GET", f"/v2.1/os-keypairs/{name}")
        self.assertEqual(status, 404)

    def test_size_limit(self):
        at_limit = rsa_line(2048, "c" * 20000)[:16384]
        self.assertEqual(self.create("at-limit", at_limit)[0], 201)
        self.assert_refused("over-limit", rsa_line(2048, "c" * 20000)[:16385], "16384 bytes")
        self.assert_refused("huge", rsa_line(660000), "16384 bytes", version="2.1")
        # Bytes, not characters: 8,193 two-byte characters are over the limit too.
        self.assert_refused("wide", ED25519 + " " + "é" * 8193, "16384 bytes")

    def test_rsa_modulus_limit(self):
        self.assertEqual(self.create("rsa-16384", rsa_line(16384))[0], 201)
        self.assert_refused("rsa-16385", rsa_line(16385), "16384 bits")
        self.assert_refused("rsa-40000", rsa_line(40000), "16384 bits", version="2.92")

    def test_x509_rsa_modulus_limit(self):
        self.assertEqual(self.create("x-2048", x509_with_rsa_bits(2048), key_type="x509")[0], 201)
        self.assert_refused("x-20000", x509_with_rsa_bits(20000), "16384 bits", key_type="x509")

    def test_list_of_maximum_size_keys_stays_bounded(self):
        user = "lister:p"
        for i in range(100):
            key = rsa_line(2048, "c" * 20000)[:16384]
            status, _, _ = self.server.json("POST", "/v2.1/os-keypairs", token=user,
                                            body={"keypair": {"name": f"k{i:03}",
                                                              "public_key": key}})
            self.assertEqual(status, 201)
        status, _, data = self.server.request("GET", "/v2.1/os-keypairs", user, "2.10")
        self.assertEqual(status, 200)
        self.assertLess(len(data), 100 * (16384 + 400))


if __name__ == "__main__":
    unittest.main()
