"""Regression: on PostgreSQL, `keypaird-manage export`, `import` and `keypairs count` answered
"the keypair store is unavailable" (the store lacked scan, count_all and restore, and the
interface's defaults said unavailable; no test noticed). They now work on PostgreSQL as on
SQLite: export | import round-trips byte for byte, between the two backends too."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402
from postgres_server import PostgresServer  # noqa: E402

BINARY = binary_from_argv(sys.argv)
MANAGE = os.path.join(os.path.dirname(BINARY), "keypaird-manage")
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"


def manage(config, *args, **kw):
    out = subprocess.run([MANAGE, "--config-file", config, *args], capture_output=True,
                         text=True, timeout=300, **kw)
    if out.returncode != 0:
        raise AssertionError(f"keypaird-manage {args} failed:\n{out.stdout}\n{out.stderr}")
    return out


class ManageOnPostgresTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="keypaird-manage-pg-")

    def tearDown(self):
        subprocess.run(["rm", "-rf", self.dir])

    def config(self, name, url):
        path = os.path.join(self.dir, name + ".conf")
        with open(path, "w") as f:
            f.write(f"[database]\nconnection = {url}\n")
        return path

    def test_export_import_count_round_trip(self):
        sqlite_url = f"sqlite:///{self.dir}/source.sqlite"
        server = Keypaird(BINARY, "[quota]\nkey_pairs = -1\n", database_url=sqlite_url).start()
        try:
            for i in range(150):
                user = f"user-{i % 7}"
                key = ED25519 + (f" key {i}" if i % 5 else " nul\u0000inside")
                status, _, _ = server.json("POST", "/v2.1/os-keypairs", token=f"{user}:p",
                                           body={"keypair": {"name": f"k{i:03}",
                                                             "public_key": key}})
                self.assertEqual(status, 201)
            for i in (3, 77, 140):  # gaps in the ids
                self.assertEqual(server.json("DELETE", f"/v2.1/os-keypairs/k{i:03}",
                                             token=f"user-{i % 7}:p")[0], 204)
        finally:
            server.cleanup()
        source = self.config("source", sqlite_url)
        exported = manage(source, "export").stdout
        self.assertEqual(len(exported.splitlines()), 147)

        with PostgresServer() as pg:
            pg.create_database("second")
            first_pg = self.config("pg", pg.url())
            out = manage(first_pg, "import", input=exported)
            self.assertIn("read 147, imported 147, already present 0, skipped 0", out.stdout)
            self.assertEqual(manage(first_pg, "keypairs", "count").stdout.strip(), "147")
            self.assertEqual(manage(first_pg, "keypairs", "count", "--user",
                                    "user-1").stdout.strip(), "22")
            self.assertEqual(manage(first_pg, "export").stdout, exported)
            out = manage(first_pg, "import", input=exported)
            self.assertIn("imported 0, already present 147, skipped 0", out.stdout)

            second_pg = self.config("second", pg.url("second"))
            manage(second_pg, "import", input=manage(first_pg, "export").stdout)
            self.assertEqual(manage(second_pg, "export").stdout, exported)

            # The restored database answers the API, and new ids come after the restored ones.
            highest = max(json.loads(line)["id"] for line in exported.splitlines())
            node = Keypaird(BINARY, database_url=pg.url("second")).start()
            try:
                status, body, _ = node.json("GET", "/v2.1/os-keypairs/k000", token="user-0:p")
                self.assertEqual(status, 200)
                self.assertTrue(body["keypair"]["public_key"].endswith("nul\u0000inside"))
                status, _, _ = node.json("POST", "/v2.1/os-keypairs", token="user-0:p",
                                         body={"keypair": {"name": "new",
                                                           "public_key": ED25519}})
                self.assertEqual(status, 201)
                status, body, _ = node.json("GET", "/v2.1/os-keypairs/new", token="user-0:p")
                self.assertGreater(body["keypair"]["id"], highest)
            finally:
                node.cleanup()
            # Back into SQLite from PostgreSQL: the same bytes again.
            back = self.config("back", f"sqlite:///{self.dir}/back.sqlite")
            manage(back, "import", input=manage(first_pg, "export").stdout)
            self.assertEqual(manage(back, "export").stdout, exported)


if __name__ == "__main__":
    unittest.main()
