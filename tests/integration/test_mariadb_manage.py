"""keypaird on a throwaway MariaDB, as an operator meets it: `keypaird-manage export | import`
round-trips byte for byte between SQLite and MariaDB (and between two MariaDB databases, one
reached through the unix socket), `keypairs count` and `db version`/`db sync` answer, new ids
come after restored ones,
and odd user input (NUL bytes, the PostgreSQL store's escape character, user ids with NUL) gets
the same answers from MariaDB as from SQLite."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "regression"))
import test_nul_in_user_input_postgres as nul_case  # noqa: E402  (takes --binary from argv)
from keypaird_process import Keypaird  # noqa: E402
from mariadb_server import MariadbServer  # noqa: E402

BINARY = nul_case.BINARY
exchanges, strip_times = nul_case.exchanges, nul_case.strip_times
MANAGE = os.path.join(os.path.dirname(BINARY), "keypaird-manage")
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"


def manage(config, *args, **kw):
    out = subprocess.run([MANAGE, "--config-file", config, *args], capture_output=True,
                         text=True, timeout=300, **kw)
    if out.returncode != 0:
        raise AssertionError(f"keypaird-manage {args} failed:\n{out.stdout}\n{out.stderr}")
    return out


class ManageOnMariadbTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = MariadbServer().start()

    @classmethod
    def tearDownClass(cls):
        cls.db.cleanup()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="keypaird-manage-mariadb-")

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
            for i in range(149):
                user = f"user-{i % 7}"
                key = ED25519 + (f" key {i} \U0001f511" if i % 5 else " nul\u0000inside")
                name = f"k{i:03}"
                status, _, _ = server.json("POST", "/v2.1/os-keypairs", token=f"{user}:p",
                                           body={"keypair": {"name": name, "public_key": key}})
                self.assertEqual(status, 201)
            for i in (3, 77, 140):  # gaps in the ids
                self.assertEqual(server.json("DELETE", f"/v2.1/os-keypairs/k{i:03}",
                                             token=f"user-{i % 7}:p")[0], 204)
        finally:
            server.cleanup()
        source = self.config("source", sqlite_url)
        exported = manage(source, "export").stdout
        self.assertEqual(len(exported.splitlines()), 146)
        # The API allows only ASCII names; a restore brings whatever the source held (four-byte
        # characters, trailing spaces), which must come back as it went in.
        odd = json.loads(exported.splitlines()[-1])
        odd.update(id=odd["id"] + 10, user_id="\u00fcser-\U0001f511", name="k\U0001f511 ")
        manage(source, "import", input=json.dumps(odd, ensure_ascii=False) + "\n")
        exported = manage(source, "export").stdout
        self.assertEqual(len(exported.splitlines()), 147)

        self.db.create_database("first")
        self.db.create_database("second")
        first = self.config("first", self.db.url("first"))
        self.assertEqual(manage(first, "db", "version").stdout.strip(), "0")
        self.assertIn("schema version 1", manage(first, "db", "sync").stdout)
        self.assertEqual(manage(first, "db", "version").stdout.strip(), "1")
        out = manage(first, "import", input=exported)
        self.assertIn("read 147, imported 147, already present 0, skipped 0", out.stdout)
        self.assertEqual(manage(first, "keypairs", "count").stdout.strip(), "147")
        self.assertEqual(manage(first, "keypairs", "count", "--user", "user-1").stdout.strip(),
                         "22")
        self.assertEqual(manage(first, "export").stdout, exported)
        out = manage(first, "import", input=exported)
        self.assertIn("imported 0, already present 147, skipped 0", out.stdout)

        # Through the unix socket, with the other URL spellings.
        second = self.config("second", self.db.socket_url("second"))
        manage(second, "import", input=manage(first, "export").stdout)
        self.assertEqual(manage(second, "export").stdout, exported)
        mariadb_scheme = self.config("scheme", self.db.url("second", scheme="mariadb"))
        self.assertEqual(manage(mariadb_scheme, "keypairs", "count").stdout.strip(), "147")

        # The restored database answers the API, and new ids come after the restored ones.
        highest = max(json.loads(line)["id"] for line in exported.splitlines())
        node = Keypaird(BINARY, database_url=self.db.url("second")).start()
        try:
            status, body, _ = node.json("GET", "/v2.1/os-keypairs/k000",
                                        token="user-0:p")
            self.assertEqual(status, 200)
            self.assertTrue(body["keypair"]["public_key"].endswith("nul\u0000inside"))
            status, _, _ = node.json("POST", "/v2.1/os-keypairs", token="user-0:p",
                                     body={"keypair": {"name": "new", "public_key": ED25519}})
            self.assertEqual(status, 201)
            status, body, _ = node.json("GET", "/v2.1/os-keypairs/new", token="user-0:p")
            self.assertGreater(body["keypair"]["id"], highest)
        finally:
            node.cleanup()
        # Back into SQLite from MariaDB: the same bytes again.
        back = self.config("back", f"sqlite:///{self.dir}/back.sqlite")
        manage(back, "import", input=manage(first, "export").stdout)
        self.assertEqual(manage(back, "export").stdout, exported)

    def test_odd_user_input_answers_as_on_sqlite(self):
        sqlite = Keypaird(BINARY).start()
        try:
            expected = exchanges(sqlite)
        finally:
            sqlite.cleanup()
        self.db.create_database("odd")
        node = Keypaird(BINARY, database_url=self.db.url("odd")).start()
        try:
            got = exchanges(node)
        finally:
            node.cleanup()
        statuses = [a[2] for a in got]
        self.assertTrue(all(s < 500 for s in statuses), got)
        self.assertEqual(statuses[:2], [201, 201])
        for want, have in zip(expected, got):
            self.assertEqual(strip_times(want), strip_times(have))

    def test_user_ids_too_long_for_the_column_are_a_400(self):
        self.db.create_database("long")
        node = Keypaird(BINARY, database_url=self.db.url("long")).start()
        try:
            user = "u" * 2049
            status, body, _ = node.json("POST", "/v2.1/os-keypairs", token="admin:admin",
                                        body={"keypair": {"name": "k", "public_key": ED25519,
                                                          "user_id": user}})
            self.assertEqual(status, 400, body)
            self.assertIn("2048 bytes", body["badRequest"]["message"])
            status, body, _ = node.json("GET", f"/v2.1/os-keypairs?user_id={user}",
                                        token="admin:admin")
            self.assertEqual((status, body), (200, {"keypairs": []}))
            status, _, _ = node.json("POST", "/v2.1/os-keypairs", token="admin:admin",
                                     body={"keypair": {"name": "k", "public_key": ED25519,
                                                       "user_id": "u" * 2048}})
            self.assertEqual(status, 201)
        finally:
            node.cleanup()


if __name__ == "__main__":
    unittest.main()
