"""The MariaDB connection URL's TLS parameters reach Connector/C: against a throwaway MariaDB
whose keypaird account requires TLS (REQUIRE SSL), keypaird serves with ?ssl_ca=...&
ssl_verify_cert=true, a URL without TLS parameters is refused at start-up, and verification
against the wrong CA fails, each with a message that never shows the password."""

import os
import subprocess
import sys
import tempfile
import unittest

from keypaird_process import Keypaird, binary_from_argv
from mariadb_server import PASSWORD, MariadbServer

BINARY = binary_from_argv(sys.argv)
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"


class MariadbTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = MariadbServer(tls=True).start()
        cls.db.sql("ALTER USER 'keypaird'@'127.0.0.1' REQUIRE SSL")
        cls.dir = tempfile.mkdtemp(prefix="keypaird-mariadb-tls-")

    @classmethod
    def tearDownClass(cls):
        cls.db.cleanup()
        subprocess.run(["rm", "-rf", cls.dir])

    def start_fails(self, url):
        """Runs keypaird --db-sync with `url`; returns its output (it must fail)."""
        config = os.path.join(self.dir, "fail.conf")
        with open(config, "w") as f:
            f.write(f"[database]\nconnection = {url}\n")
        out = subprocess.run([BINARY, "--config-file", config, "--db-sync"], capture_output=True,
                             text=True, timeout=60)
        self.assertNotEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertNotIn(PASSWORD, out.stdout + out.stderr)
        return out.stdout + out.stderr

    def test_tls_with_verification_serves(self):
        url = self.db.url() + f"&ssl_ca={self.db.ca_path}&ssl_verify_cert=true"
        node = Keypaird(BINARY, database_url=url).start()
        try:
            status, _, _ = node.json("POST", "/v2.1/os-keypairs", token="u:p",
                                     body={"keypair": {"name": "k", "public_key": ED25519}})
            self.assertEqual(status, 201)
            self.assertEqual(node.json("GET", "/v2.1/os-keypairs/k", token="u:p")[0], 200)
        finally:
            node.cleanup()
        # The server saw TLS sessions from keypaird (and only those can log in as keypaird).
        self.assertNotEqual(self.db.sql("SHOW GLOBAL STATUS LIKE 'Ssl_accepts'").split()[1], "0")

    def test_without_tls_the_server_refuses(self):
        self.assertIn("Access denied", self.start_fails(self.db.url()))

    def test_a_certificate_from_another_ca_is_refused(self):
        other_ca = os.path.join(self.dir, "other-ca.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        os.path.join(self.dir, "other.key"), "-out", other_ca, "-days", "2",
                        "-subj", "/CN=another CA"], check=True, capture_output=True)
        self.start_fails(self.db.url() + f"&ssl_ca={other_ca}&ssl_verify_cert=true")


if __name__ == "__main__":
    unittest.main(verbosity=2)
