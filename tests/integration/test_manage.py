"""keypaird-manage against real SQLite files: db sync/version, keypairs list/count, export then
import into an empty store (byte-identical), and import-nova from a Nova API database built
with Nova's key_pairs schema, whose keys then show Nova's fingerprints through the API."""

import base64
import hashlib
import json
import os
import pty
import random
import sqlite3
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

from keypaird_process import Keypaird, binary_from_argv

BINARY = binary_from_argv(sys.argv)
MANAGE = os.path.join(os.path.dirname(os.path.abspath(BINARY)), "keypaird-manage")
ADMIN = "admin:admin"

# Nova's API database table (nova/db/api/models.py KeyPair; nova-behaviour.md section 12) as
# SQLAlchemy creates it on SQLite.
NOVA_KEY_PAIRS = """
CREATE TABLE key_pairs (
    created_at DATETIME,
    updated_at DATETIME,
    id INTEGER NOT NULL,
    name VARCHAR(255) NOT NULL,
    user_id VARCHAR(255) NOT NULL,
    fingerprint VARCHAR(255),
    public_key TEXT,
    type VARCHAR(4) DEFAULT 'ssh' NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uniq_key_pairs0user_id0name UNIQUE (user_id, name)
)"""


def nova_ssh_fingerprint(public_key):
    """What Nova stores: MD5 of the base64 blob, colon-separated."""
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def manage(config, *args, check=True, **kw):
    out = subprocess.run([MANAGE, "--config-file", config, *args], capture_output=True,
                         text=True, timeout=300, **kw)
    if check and out.returncode != 0:
        raise AssertionError(f"keypaird-manage {args} failed:\n{out.stdout}\n{out.stderr}")
    return out


class ManageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Real keys, made by keypaird's own generator: RSA (ssh) and x509 certificates.
        cls.keys = []
        gen = Keypaird(BINARY, "[quota]\nkey_pairs = -1\n").start()
        try:
            for i in range(12):
                kind = "x509" if i % 6 == 5 else "ssh"
                status, body, _ = gen.json("POST", "/v2.1/os-keypairs", version="2.2",
                                           body={"keypair": {"name": f"k{i}", "type": kind}})
                assert status == 201, body
                k = body["keypair"]
                cls.keys.append((k["type"], k["public_key"], k["fingerprint"]))
        finally:
            gen.cleanup()
        cls.keys.append(("ssh", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLq"
                                "i8z88QC5UlHXni me@host", None))
        for kind, public_key, fingerprint in cls.keys:
            if kind == "ssh" and fingerprint:
                assert fingerprint == nova_ssh_fingerprint(public_key)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="keypaird-manage-it-")

    def tearDown(self):
        subprocess.run(["rm", "-rf", self.dir])

    def config(self, name):
        path = os.path.join(self.dir, name + ".conf")
        with open(path, "w") as f:
            f.write(f"[database]\nconnection = sqlite:///{self.dir}/{name}.sqlite\n")
        return path

    def make_nova_db(self, rows=3000):
        path = os.path.join(self.dir, "nova_api.sqlite")
        db = sqlite3.connect(path)
        db.execute(NOVA_KEY_PAIRS)
        rng = random.Random(7)
        expected = {}
        for i in range(1, rows + 1):
            kind, public_key, fingerprint = self.keys[i % len(self.keys)]
            if fingerprint is None:
                fingerprint = nova_ssh_fingerprint(public_key)
            micro = 0 if i % 10 == 0 else rng.randrange(1, 1000000)
            created = f"20{rng.randrange(15, 24)}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)}" \
                      f" 0{rng.randrange(0, 10)}:1{rng.randrange(0, 10)}:2{rng.randrange(0, 10)}" \
                      f".{micro:06d}"
            user = f"user-{i % 250:03d}"
            name = f"key {i}" + (" ünïcode" if i % 3 == 0 else "")
            db.execute("INSERT INTO key_pairs (created_at, updated_at, id, name, user_id, "
                       "fingerprint, public_key, type) VALUES (?, NULL, ?, ?, ?, ?, ?, ?)",
                       (created, i, name, user, fingerprint, public_key, kind))
            expected[(user, name)] = dict(id=i, fingerprint=fingerprint, public_key=public_key,
                                          type=kind,
                                          created_at=created.replace(" ", "T"))
        # Rows keypaird cannot take, each for its own reason.
        bad = [
            (rows + 1, "nofp", "user-bad", None, self.keys[0][1], "ssh"),
            (rows + 2, "nokey", "user-bad", "aa:bb", None, "ssh"),
            (rows + 3, "weird", "user-bad", "aa:bb", self.keys[0][1], "dsa"),
            (rows + 4, "x" * 300, "user-bad", "aa:bb", self.keys[0][1], "ssh"),
        ]
        for id_, name, user, fp, pk, kind in bad:
            db.execute("INSERT INTO key_pairs (created_at, id, name, user_id, fingerprint, "
                       "public_key, type) VALUES ('2020-01-01 00:00:00.000000', ?, ?, ?, ?, ?, ?)",
                       (id_, name, user, fp, pk, kind))
        db.commit()
        db.close()
        return path, expected

    def test_db_sync_and_version(self):
        conf = self.config("fresh")
        self.assertEqual(manage(conf, "db", "version").stdout.strip(), "0")
        out = manage(conf, "db", "sync")
        self.assertIn("schema version 1", out.stdout)
        self.assertEqual(manage(conf, "db", "version").stdout.strip(), "1")
        manage(conf, "db", "sync")  # idempotent
        self.assertEqual(manage(conf, "keypairs", "count").stdout.strip(), "0")

    def test_help_on_every_command(self):
        out = subprocess.run([MANAGE, "--help"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0)
        for command in (["db", "sync"], ["db", "version"], ["keypairs", "list"],
                        ["keypairs", "count"], ["export"], ["import"], ["import-nova"]):
            out = subprocess.run([MANAGE, *command, "--help"], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, command)
            self.assertIn("usage: keypaird-manage", out.stdout)
            self.assertIn(" ".join(command), out.stdout)
        out = subprocess.run([MANAGE, "frobnicate"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 2)
        out = subprocess.run([MANAGE, "--version"], capture_output=True, text=True)
        self.assertRegex(out.stdout, r"^keypaird-manage \d+\.\d+\.\d+")

    def test_import_nova_then_api_shows_novas_fingerprints(self):
        nova_db, expected = self.make_nova_db()
        server = Keypaird(BINARY, state_dir=self.dir)
        server.start()
        try:
            # keypaird already holds two keypairs: one with a name Nova also has (different
            # key), taking id 1; another taking id 2, which a Nova row also has.
            clash_user, clash_name = "user-001", "key 1"
            status, body, _ = server.json("POST", "/v2.1/os-keypairs", token=ADMIN, body={
                "keypair": {"name": clash_name, "user_id": clash_user,
                            "public_key": self.keys[-1][1]}})
            self.assertEqual(status, 201, body)
            status, body, _ = server.json("POST", "/v2.1/os-keypairs", token=ADMIN, body={
                "keypair": {"name": "mine", "public_key": self.keys[-1][1]}})
            self.assertEqual(status, 201, body)

            out = manage(server.config_path, "import-nova", "--connection",
                         f"sqlite:///{nova_db}")
            self.assertIn("read 3004, imported 2999 (1 with a new id), already present 0, "
                          "skipped 5", out.stdout)
            self.assertIn("skipped nova id 1: user user-001 already has a keypair named "
                          "key 1 with a different key", out.stdout)
            self.assertIn("skipped nova id 3001: no fingerprint", out.stdout)
            self.assertIn("skipped nova id 3002: no public key", out.stdout)
            self.assertIn("skipped nova id 3003: unknown type 'dsa'", out.stdout)
            self.assertIn("skipped nova id 3004: name longer than 255 characters", out.stdout)
            # Not a terminal: plain progress lines.
            self.assertIn("import-nova: 3004/3004 (100%)", out.stderr)
            self.assertNotIn("\r", out.stderr)

            # Idempotent: a second run changes nothing and says so.
            again = manage(server.config_path, "import-nova", "--connection",
                           f"sqlite:///{nova_db}")
            self.assertIn("imported 0, already present 2999, skipped 5", again.stdout)
            self.assertEqual(manage(server.config_path, "keypairs", "count").stdout.strip(),
                             "3001")
            self.assertEqual(manage(server.config_path, "keypairs", "count", "--user",
                                    "user-007").stdout.strip(), "12")
            listing = manage(server.config_path, "keypairs", "list", "--user", "user-007")
            self.assertEqual(len(listing.stdout.splitlines()), 12)

            # Every user's keys through the API, as an admin at 2.10: Nova's fingerprints.
            del expected[(clash_user, clash_name)]
            seen = 0
            for u in range(250):
                user = f"user-{u:03d}"
                status, body, _ = server.json("GET", f"/v2.1/os-keypairs?user_id={user}",
                                              token=ADMIN)
                self.assertEqual(status, 200)
                for item in body["keypairs"]:
                    k = item["keypair"]
                    want = expected.get((user, k["name"]))
                    if want is None:
                        continue
                    self.assertEqual(k["fingerprint"], want["fingerprint"])
                    self.assertEqual(k["public_key"], want["public_key"])
                    self.assertEqual(k["type"], want["type"])
                    seen += 1
            self.assertEqual(seen, len(expected))
            # Show carries id and created_at as Nova showed them (six fraction digits).
            for (user, name), want in list(expected.items())[::97]:
                if want["id"] == 2:
                    continue  # renumbered
                path = "/v2.1/os-keypairs/" + urllib.parse.quote(name) + "?user_id=" + user
                status, body, _ = server.json("GET", path, token=ADMIN)
                self.assertEqual(status, 200, (path, body))
                self.assertEqual(body["keypair"]["id"], want["id"])
                self.assertEqual(body["keypair"]["created_at"], want["created_at"])
            status, body, _ = server.json("GET", "/v2.1/os-keypairs/key%2030%20%C3%BCn%C3%AFcode"
                                                 "?user_id=user-030", token=ADMIN)
            self.assertTrue(body["keypair"]["created_at"].endswith(".000000"))
        finally:
            server.cleanup()

    def test_progress_bar_on_a_terminal(self):
        nova_db, _ = self.make_nova_db(rows=600)
        conf = self.config("tty")
        master, slave = pty.openpty()
        proc = subprocess.Popen([MANAGE, "--config-file", conf, "import-nova", "--connection",
                                 f"sqlite:///{nova_db}"], stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        out, _ = proc.communicate(timeout=120)
        chunks = b""
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks += data
        os.close(master)
        self.assertEqual(proc.returncode, 0)
        self.assertIn(b"imported 600", out)
        self.assertIn(b"\rimport-nova [", chunks)
        self.assertIn(b"] 100% 604/604", chunks)

    def test_export_import_round_trip(self):
        nova_db, _ = self.make_nova_db(rows=1200)
        source = self.config("source")
        manage(source, "import-nova", "--connection", f"sqlite:///{nova_db}")
        # Some keypairs made through the API too, then one deleted (a gap in the ids).
        server = Keypaird(BINARY, state_dir=self.dir)
        with open(server.config_path, "a") as f:
            f.write(f"[database]\nconnection = sqlite:///{self.dir}/source.sqlite\n")
        server.start()
        try:
            for name in ("a", "b", "c"):
                self.assertEqual(server.json("POST", "/v2.1/os-keypairs",
                                             body={"keypair": {"name": name}})[0], 201)
            self.assertEqual(server.json("DELETE", "/v2.1/os-keypairs/b")[0], 204)
            before_api = server.json("GET", "/v2.1/os-keypairs/c")[1]
        finally:
            server.stop()

        first = os.path.join(self.dir, "first.jsonl")
        out = manage(source, "export", "--file", first)
        self.assertIn("exported 1202 keypairs", out.stderr)
        self.assertEqual(os.stat(first).st_mode & 0o777, 0o600)
        with open(first, "rb") as f:
            exported = f.read()
        lines = exported.decode().splitlines()
        self.assertEqual(len(lines), 1202)
        self.assertEqual(list(json.loads(lines[0])),
                         ["id", "user_id", "name", "type", "fingerprint", "public_key",
                          "created_at"])
        # Standard output gives the same bytes.
        self.assertEqual(manage(source, "export").stdout.encode(), exported)

        restored = self.config("restored")
        out = manage(restored, "import", "--file", first)
        self.assertIn("read 1202, imported 1202, already present 0, skipped 0", out.stdout)
        second = os.path.join(self.dir, "second.jsonl")
        manage(restored, "export", "--file", second)
        with open(second, "rb") as f:
            self.assertEqual(f.read(), exported)
        # Importing again is a no-op; from standard input too.
        with open(first) as f:
            out = manage(restored, "import", stdin=f)
        self.assertIn("imported 0, already present 1202, skipped 0", out.stdout)

        # The restored store answers the API exactly as the original did.
        server = Keypaird(BINARY, state_dir=self.dir)
        with open(server.config_path, "a") as f:
            f.write(f"[database]\nconnection = sqlite:///{self.dir}/restored.sqlite\n")
        server.start()
        try:
            self.assertEqual(server.json("GET", "/v2.1/os-keypairs/c")[1], before_api)
            # New keypairs get ids after the restored ones.
            status, body, _ = server.json("POST", "/v2.1/os-keypairs",
                                          body={"keypair": {"name": "d"}})
            self.assertEqual(status, 201)
            status, body, _ = server.json("GET", "/v2.1/os-keypairs/d")
            self.assertGreater(body["keypair"]["id"], before_api["keypair"]["id"])
        finally:
            server.cleanup()

    def test_import_reports_bad_lines(self):
        conf = self.config("bad")
        backup = os.path.join(self.dir, "bad.jsonl")
        good = {"id": 5, "user_id": "u", "name": "n", "type": "ssh", "fingerprint": "f",
                "public_key": "p", "created_at": "2020-01-01T00:00:00.000000"}
        with open(backup, "w") as f:
            f.write(json.dumps(good) + "\n\nnot json\n")
            f.write(json.dumps(dict(good, id=6, type="dsa")) + "\n")
            f.write(json.dumps(dict(good, id=5, name="other")) + "\n")
            f.write(json.dumps(dict(good, id=7, fingerprint="g")) + "\n")
        out = manage(conf, "import", "--file", backup)
        self.assertIn("read 5, imported 1, already present 0, skipped 4", out.stdout)
        self.assertIn("skipped line 3: not a JSON object", out.stdout)
        self.assertIn("skipped line 4: \"type\" is neither ssh nor x509", out.stdout)
        self.assertIn("skipped line 5: id 5 belongs to another keypair", out.stdout)
        self.assertIn("skipped line 6: user u already has a keypair named n with a different key",
                      out.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
