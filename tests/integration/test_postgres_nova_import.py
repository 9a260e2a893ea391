"""`keypaird-manage import-nova` from a Nova API database on PostgreSQL: the schema made by the
real `nova-manage api_db sync` (postgresql+psycopg2://, as a nova.conf names it) on a throwaway
PostgreSQL server, rows inserted as nova-api inserts them (on PostgreSQL created_at keeps its
microseconds), imported with progress into a fresh keypaird; then every keypair is shown through
the API with Nova's id, fingerprint, public key, type and created_at. Skipped when nova-manage
or psycopg2 is not installed."""

import os
import subprocess
import sys
import tempfile
import unittest

from keypaird_process import Keypaird, binary_from_argv
from mariadb_server import NOVA_MANAGE
from postgres_server import PostgresServer

BINARY = binary_from_argv(sys.argv)
MANAGE = os.path.join(os.path.dirname(os.path.abspath(BINARY)), "keypaird-manage")
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"


def nova_tools_available():
    psycopg2 = subprocess.run(["/usr/bin/python3", "-c", "import psycopg2"],
                              capture_output=True).returncode == 0
    return psycopg2 and os.path.exists(NOVA_MANAGE)


@unittest.skipUnless(nova_tools_available(), "needs Debian's nova-manage and python3-psycopg2")
class ImportNovaFromPostgresTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = PostgresServer().start()
        try:
            cls.url = cls.db.create_database("nova_api").replace("postgresql://",
                                                                  "postgresql+psycopg2://")
            work = tempfile.mkdtemp(prefix="nova-manage-", dir=cls.db.dir)
            conf = os.path.join(work, "nova.conf")
            with open(conf, "w") as f:
                f.write(f"[api_database]\nconnection = {cls.url}\n"
                        f"[database]\nconnection = sqlite:///{work}/nova.sqlite\n")
            out = subprocess.run([NOVA_MANAGE, "--config-file", conf, "api_db", "sync"],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 cwd=work, timeout=600)
            if out.returncode != 0:
                raise RuntimeError(f"nova-manage api_db sync failed:\n{out.stdout[-4000:]}")
        except BaseException:
            cls.db.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.db.cleanup()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="keypaird-nova-import-pg-")

    def tearDown(self):
        subprocess.run(["rm", "-rf", self.dir])

    def test_import_keeps_what_nova_showed(self):
        rows = []
        expected = {}
        for i in range(1, 31):
            user, name = f"user-{i % 3}", (f"key-{i:02d}" if i % 4 else f"cl\u00e9 {i}")
            kind = "x509" if i % 5 == 0 else "ssh"
            created = f"2024-01-{i:02d} 03:04:05.{i * 1111:06d}"
            rows.append(f"({i}, '{created}', NULL, '{name}', '{user}', 'fp:{i:02x}',"
                        f" '{ED25519} c{i}', '{kind}')")
            expected[(user, name)] = {
                "id": i, "name": name, "user_id": user, "fingerprint": f"fp:{i:02x}",
                "public_key": f"{ED25519} c{i}", "type": kind, "deleted": False,
                "deleted_at": None, "updated_at": None,
                "created_at": created.replace(" ", "T")}
        rows.append("(99, NULL, NULL, 'no-time', 'user-0', 'fp', 'ssh-rsa AAAA', 'ssh')")
        self.db.psql("INSERT INTO key_pairs (id, created_at, updated_at, name, user_id,"
                     " fingerprint, public_key, type) VALUES " + ", ".join(rows), "nova_api")

        target = Keypaird(BINARY, "[quota]\nkey_pairs = -1\n",
                          database_url=f"sqlite:///{self.dir}/target.sqlite")
        out = subprocess.run([MANAGE, "--config-file", target.config_path, "import-nova",
                              "--connection", self.url], capture_output=True, text=True,
                             timeout=600)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("read 31, imported 30", out.stdout)
        self.assertIn("nova id 99: no created_at", out.stdout)
        self.assertIn("import-nova: 31/31 (100%)", out.stderr)
        self.assertNotIn("kp-test", out.stdout + out.stderr)
        try:
            target.start()
            for (user, name), want in expected.items():
                path = "/v2.1/os-keypairs/" + name.replace(" ", "%20").replace("\u00e9", "%C3%A9")
                status, body, _ = target.json("GET", path, token=f"{user}:p0", version="2.10")
                self.assertEqual(status, 200, name)
                self.assertEqual(body["keypair"], want)
        finally:
            target.cleanup()

    def test_a_database_without_key_pairs_is_a_clear_error(self):
        url = self.db.create_database("empty")
        conf = os.path.join(self.dir, "k.conf")
        with open(conf, "w") as f:
            f.write(f"[database]\nconnection = sqlite:///{self.dir}/t.sqlite\n")
        out = subprocess.run([MANAGE, "--config-file", conf, "import-nova", "--connection", url],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 1)
        self.assertIn("has no key_pairs table", out.stderr)
        password = url.split(":")[2].split("@")[0]
        self.assertNotIn(password, out.stderr)


if __name__ == "__main__":
    unittest.main()
