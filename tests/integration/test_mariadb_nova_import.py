"""`keypaird-manage import-nova` from a Nova API database on MariaDB: the schema made by the real
`nova-manage api_db sync` on a throwaway MariaDB, rows inserted as nova-api inserts them (whole
seconds, NULL updated_at, both types, non-ASCII names), imported with progress into a fresh
keypaird (SQLite); then every show and every user's list through the API answers as keypaird in
schema = nova_api answers straight from Nova's table. Rows Nova could hold but keypaird cannot
import are reported and skipped. A second test imports 100,000 rows and prints the time it took.
keypaird in schema = nova_api refuses to start on a database without Nova's table, creating
nothing. Skipped when nova-manage or PyMySQL is not installed."""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "differential"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402
from mariadb_server import NOVA_MANAGE, MariadbServer  # noqa: E402

BINARY = binary_from_argv(sys.argv)
MANAGE = os.path.join(os.path.dirname(os.path.abspath(BINARY)), "keypaird-manage")
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"


def nova_tools_available():
    pymysql = subprocess.run(["/usr/bin/python3", "-c", "import pymysql"],
                             capture_output=True).returncode == 0
    return pymysql and os.path.exists(NOVA_MANAGE)


def quote(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def by_name(body):
    return sorted(body["keypairs"], key=lambda k: k["keypair"]["name"])


def get(server, path, user):
    status, body, _ = server.json("GET", "/v2.1/os-keypairs" + path, token=f"{user}:p0",
                                  version="2.35")
    return status, body


@unittest.skipUnless(nova_tools_available(), "needs Debian's nova-manage and python3-pymysql")
class ImportNovaFromMariadbTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = MariadbServer().start()
        try:
            cls.url = cls.db.nova_api_database()
        except BaseException:
            cls.db.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.db.cleanup()

    def setUp(self):
        self.db.sql("DELETE FROM key_pairs", "nova_api")
        self.dir = tempfile.mkdtemp(prefix="keypaird-nova-import-")

    def tearDown(self):
        subprocess.run(["rm", "-rf", self.dir])

    def import_into_fresh_keypaird(self):
        target = Keypaird(BINARY, "[quota]\nkey_pairs = -1\n",
                          database_url=f"sqlite:///{self.dir}/target.sqlite")
        began = time.monotonic()
        out = subprocess.run([MANAGE, "--config-file", target.config_path, "import-nova",
                              "--connection", self.url], capture_output=True, text=True,
                             timeout=1800)
        took = time.monotonic() - began
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertNotIn("kp-test-secret", out.stdout + out.stderr)
        return target, out, took

    def test_import_then_the_same_answers(self):
        rows = []
        for i in range(60):
            user = f"user-{i % 4}"
            name = f"key-{i:02d}" if i % 5 else f"cl\u00e9 {i}"
            kind = "x509" if i % 7 == 0 else "ssh"
            rows.append(f"({quote(f'2024-01-{1 + i % 28:02d} 10:{i % 60:02d}:07')}, NULL,"
                        f" {quote(name)}, {quote(user)}, {quote(f'fp:{i:02x}')},"
                        f" {quote(ED25519 + f' c{i}')}, {quote(kind)})")
        # What keypaird cannot import (Nova's columns allow it): reported, skipped.
        rows.append("('2024-02-02 02:02:02', NULL, 'no-fp', 'user-0', NULL, 'ssh-rsa AAAA', 'ssh')")
        rows.append("(NULL, NULL, 'no-time', 'user-0', 'fp', 'ssh-rsa AAAA', 'ssh')")
        self.db.sql("INSERT INTO key_pairs (created_at, updated_at, name, user_id, fingerprint,"
                    " public_key, type) VALUES " + ", ".join(rows), "nova_api")

        target, out, _ = self.import_into_fresh_keypaird()
        self.assertIn("read 62, imported 60", out.stdout)
        self.assertIn("no fingerprint", out.stdout)
        self.assertIn("no created_at", out.stdout)
        self.assertIn("import-nova: 62/62 (100%)", out.stderr)

        nova_mode = Keypaird(BINARY, "schema = nova_api\n", database_url=self.url)
        try:
            nova_mode.start()
            target.start()
            for u in range(4):
                user = f"user-{u}"
                status, theirs = get(nova_mode, "", user)
                self.assertEqual(status, 200)
                status, ours = get(target, "", user)
                self.assertEqual(status, 200)
                # Nova's table orders by its collation, keypaird's by bytes: same rows (but the
                # two rows that were not imported).
                skipped = ("no-fp", "no-time")
                theirs["keypairs"] = [k for k in theirs["keypairs"]
                                      if k["keypair"]["name"] not in skipped]
                self.assertEqual(by_name(ours), by_name(theirs))
                self.assertEqual(len(ours["keypairs"]), 15)
                for entry in theirs["keypairs"]:
                    name = entry["keypair"]["name"]
                    path = "/" + name.replace(" ", "%20").replace("\u00e9", "%C3%A9")
                    shown_nova, shown_ours = get(nova_mode, path, user), get(target, path, user)
                    self.assertEqual(shown_nova[0], 200, name)
                    self.assertEqual(shown_ours, shown_nova)
                    self.assertRegex(shown_ours[1]["keypair"]["created_at"], r"\.000000$")
            # Run again: everything is already there.
            out = subprocess.run([MANAGE, "--config-file", target.config_path, "import-nova",
                                  "--connection", self.url], capture_output=True, text=True,
                                 timeout=600)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            self.assertIn("imported 0, already present 60", out.stdout)
        finally:
            nova_mode.cleanup()
            target.cleanup()

    def test_a_missing_table_is_a_clear_error(self):
        self.db.create_database("not_nova")
        conf = os.path.join(self.dir, "k.conf")
        with open(conf, "w") as f:
            f.write(f"[database]\nconnection = sqlite:///{self.dir}/t.sqlite\n")
        out = subprocess.run([MANAGE, "--config-file", conf, "import-nova", "--connection",
                              self.db.url("not_nova")], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 1)
        self.assertIn("no key_pairs table", out.stderr)
        self.assertNotIn("kp-test-secret", out.stderr)

    def test_keypaird_refuses_to_start_without_novas_table(self):
        url = self.db.create_database("no_nova_here")
        server = Keypaird(BINARY, "schema = nova_api\n", database_url=url)
        try:
            with self.assertRaises(RuntimeError) as refused:
                server.start()
            message = str(refused.exception)
            self.assertIn("has no key_pairs table", message)
            self.assertIn("nova-manage api_db sync", message)
            self.assertNotIn("kp-test-secret", message)
            self.assertEqual(server.process.returncode, 1)
        finally:
            server.cleanup()
        # Nothing was created there.
        self.assertEqual(self.db.sql("SHOW TABLES", "no_nova_here"), "")

    def test_hundred_thousand_rows(self):
        total = 100_000
        # 1,000 users of 100 keys, whole-second times, as nova-api writes them.
        self.db.sql(
            "INSERT INTO key_pairs (created_at, name, user_id, fingerprint, public_key, type)"
            " SELECT '2024-03-04 05:06:07' + INTERVAL seq SECOND, CONCAT('key-', seq % 100),"
            f" CONCAT('user-', seq DIV 100), CONCAT('fp:', seq), {quote(ED25519)}, 'ssh'"
            f" FROM seq_0_to_{total - 1}", "nova_api")
        target, out, took = self.import_into_fresh_keypaird()
        self.assertIn(f"read {total}, imported {total}", out.stdout)
        print(f"\nimport-nova of {total} rows from MariaDB into SQLite: {took:.1f} s",
              file=sys.stderr)
        nova_mode = Keypaird(BINARY, "schema = nova_api\n", database_url=self.url)
        try:
            nova_mode.start()
            target.start()
            for seq in (0, 1, 4242, 55555, total - 1):
                user, path = f"user-{seq // 100}", f"/key-{seq % 100}"
                shown = get(target, path, user)
                self.assertEqual(shown[0], 200)
                self.assertEqual(shown, get(nova_mode, path, user))
            self.assertEqual(get(target, "?limit=1000", "user-999"),
                             get(nova_mode, "?limit=1000", "user-999"))
        finally:
            nova_mode.cleanup()
            target.cleanup()


if __name__ == "__main__":
    unittest.main()
