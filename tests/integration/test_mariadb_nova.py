"""keypaird beside the real nova-api on one Nova API database: Debian's nova-api 26.2.2
(noauth2, tests/differential/nova_api_server.py) with [api_database] on a throwaway MariaDB that
`nova-manage api_db sync` set up, and keypaird with [database] schema = nova_api on the same
database. What one of them writes, the other shows identically (fingerprint, public key, type,
created_at, id, every field); a delete through one is gone in the other; the quota counts the
keys of both; names collide as nova-api's table makes them collide (Key1 = key1) and both
answer the same for that; racing creates through both give one 201 per name and never more keys
than the quota. Skipped when nova-api or PyMySQL is not installed."""

import http.client
import json
import os
import subprocess
import sys
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "differential"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402
from mariadb_server import MariadbServer  # noqa: E402
from nova_api_server import NovaApi, nova_available  # noqa: E402

BINARY = binary_from_argv(sys.argv)
QUOTA = 4
TOKEN = "alice:a11ce000"  # noauth2: user alice, project a11ce000
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"
RSA = ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDeG51mwThBIjmJKi4EzXCpxC0oNb70SXCP63bvCMrQ+NP9oP"
       "dtKh7p/N9uq8fkPbfSk9EB3zTTCH45jqVeHS+KE20hSuIi1j+z+dVvcbKymquTLkL7W6DPuNmFFwY+T40so5mKm"
       "TQsU7ocQD+LrEGOdsG1HPM6TiEoG7m1/WzjvLo3UZtUxkbM/1gEXEyqUv93EqOUiaRcDTNAbYR+2SY9Xd0lUC8kH"
       "lTU88y7bO3ybJGLV2c1UuUnhvvj1yYY6C1NzMPqsGH6tpLQ3tdhTeJnu5sNKE7gOHcu/CI0wv9MsStgXvr1is05S"
       "47tnuTCvWp1i5eZPCVQYjgK76EZqm13")


def pymysql_available():
    return subprocess.run(["/usr/bin/python3", "-c", "import pymysql"],
                          capture_output=True).returncode == 0


def call(port, method, path, body=None, version="2.10", token=TOKEN):
    """(status, JSON body or None) from the server on `port`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"X-Auth-Token": token, "OpenStack-API-Version": "compute " + version}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, "/v2.1/os-keypairs" + path, body=data, headers=headers)
        response = conn.getresponse()
        # Next links name the server answering: the same URL for both, with its port as PORT.
        raw = response.read().replace(f"127.0.0.1:{port}".encode(), b"127.0.0.1:PORT")
        return response.status, (json.loads(raw) if raw else None)
    finally:
        conn.close()


@unittest.skipUnless(nova_available() and pymysql_available(),
                     "needs Debian's nova-api, uwsgi and python3-pymysql")
class BesideNovaApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = MariadbServer().start()
        cls.nova = None
        cls.keypaird = None
        try:
            url = cls.db.nova_api_database()
            cls.nova = NovaApi(quota=QUOTA, api_database=url).start()
            cls.keypaird = Keypaird(
                BINARY, f"schema = nova_api\n[quota]\nkey_pairs = {QUOTA}\n"
                        "[api]\nmax_microversion = 2.93\n",
                database_url=url).start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.keypaird:
            cls.keypaird.cleanup()
        if cls.nova:
            cls.nova.cleanup()
        cls.db.cleanup()

    def setUp(self):
        self.db.sql("DELETE FROM key_pairs", "nova_api")

    def both(self, method, path, body=None, version="2.10"):
        """The same request to nova-api, then to keypaird: their (status, body) pairs."""
        return (call(self.nova.port, method, path, body, version),
                call(self.keypaird.port, method, path, body, version))

    def shown_by_both(self, name):
        """Nova's and keypaird's show of `name` must be the same 200 answer; returns it."""
        nova, ours = self.both("GET", "/" + name)
        self.assertEqual(nova[0], 200, nova)
        self.assertEqual(ours, nova)
        return nova[1]["keypair"]

    def test_created_by_keypaird_shown_by_nova(self):
        status, body = call(self.keypaird.port, "POST", "",
                            {"keypair": {"name": "ours", "public_key": ED25519}})
        self.assertEqual(status, 201, body)
        shown = self.shown_by_both("ours")
        self.assertEqual(shown["public_key"], ED25519)
        self.assertEqual(shown["fingerprint"], body["keypair"]["fingerprint"])
        self.assertEqual(shown["type"], "ssh")
        self.assertEqual(shown["user_id"], "alice")
        self.assertRegex(shown["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$")
        # A generated key (the private key goes to the caller only) and an x509 one.
        status, generated = call(self.keypaird.port, "POST", "",
                                 {"keypair": {"name": "made", "type": "x509"}}, version="2.2")
        self.assertEqual(status, 201, generated)
        self.assertIn("private_key", generated["keypair"])
        shown = self.shown_by_both("made")
        self.assertEqual(shown["type"], "x509")
        self.assertEqual(shown["public_key"], generated["keypair"]["public_key"])
        self.assertEqual(shown["fingerprint"], generated["keypair"]["fingerprint"])
        self.assertNotIn("PRIVATE", self.db.sql("SELECT public_key FROM key_pairs", "nova_api"))
        nova, ours = self.both("GET", "")
        self.assertEqual(nova[0], 200)
        self.assertEqual(ours, nova)
        self.assertEqual(len(nova[1]["keypairs"]), 2)

    def test_created_by_nova_shown_by_keypaird(self):
        status, body = call(self.nova.port, "POST", "",
                            {"keypair": {"name": "theirs", "public_key": RSA}})
        self.assertEqual(status, 201, body)
        status, made = call(self.nova.port, "POST", "", {"keypair": {"name": "nova-made"}})
        self.assertEqual(status, 201, made)
        for name in ("theirs", "nova-made"):
            shown = self.shown_by_both(name)
            self.assertRegex(shown["created_at"], r"\.000000$")
        self.assertEqual(self.shown_by_both("theirs")["fingerprint"],
                         body["keypair"]["fingerprint"])
        # Paging across both writers' keys, at 2.35.
        call(self.keypaird.port, "POST", "", {"keypair": {"name": "ours", "public_key": ED25519}})
        for path in ("?limit=2", "?limit=1&marker=nova-made", "?marker=ours"):
            nova, ours = self.both("GET", path, version="2.35")
            self.assertEqual(nova[0], 200, nova)
            self.assertEqual(ours, nova, path)

    def test_delete_through_one_is_gone_in_the_other(self):
        for port, name in ((self.nova.port, "by-nova"), (self.keypaird.port, "by-us")):
            status, _ = call(port, "POST", "", {"keypair": {"name": name, "public_key": ED25519}})
            self.assertEqual(status, 201)
        self.assertEqual(call(self.keypaird.port, "DELETE", "/by-nova")[0], 204)
        self.assertEqual(call(self.nova.port, "DELETE", "/by-us")[0], 204)
        for name in ("by-nova", "by-us"):
            nova, ours = self.both("GET", "/" + name)
            self.assertEqual(nova[0], 404, nova)
            self.assertEqual(ours, nova)
            nova, ours = self.both("DELETE", "/" + name)
            self.assertEqual(nova[0], 404, nova)
            self.assertEqual(ours, nova)

    def test_names_collide_as_in_novas_table(self):
        status, _ = call(self.nova.port, "POST", "", {"keypair": {"name": "Key1",
                                                                 "public_key": ED25519}})
        self.assertEqual(status, 201)
        nova, ours = self.both("POST", "", {"keypair": {"name": "key1", "public_key": RSA}})
        self.assertEqual(nova[0], 409, nova)
        self.assertEqual(ours, nova)
        shown = self.shown_by_both("KEY1")
        self.assertEqual(shown["name"], "Key1")
        nova, ours = self.both("GET", "?marker=kEY1", version="2.35")
        self.assertEqual(ours, nova)
        # Another user id differing in case is the same user in this table, for both.
        nova = call(self.nova.port, "GET", "/Key1", token="ALICE:a11ce000")
        ours = call(self.keypaird.port, "GET", "/Key1", token="ALICE:a11ce000")
        self.assertEqual(ours, nova)
        self.assertEqual(call(self.keypaird.port, "DELETE", "/kEy1")[0], 204)
        nova, ours = self.both("GET", "/Key1")
        self.assertEqual(nova[0], 404)
        self.assertEqual(ours, nova)

    def test_four_byte_characters_cannot_be_stored(self):
        # Nova's table is utf8mb3: a key whose comment has an emoji cannot be written by either
        # (nova-api's insert fails with a database error, a 500; keypaird answers 400), and
        # nothing is stored.
        key = ED25519 + " \U0001f511"
        nova = call(self.nova.port, "POST", "", {"keypair": {"name": "emoji", "public_key": key}})
        ours = call(self.keypaird.port, "POST", "", {"keypair": {"name": "emoji",
                                                                 "public_key": key}})
        self.assertEqual(nova[0], 500, nova)
        self.assertEqual(ours[0], 400, ours)
        self.assertEqual(self.db.sql("SELECT COUNT(*) FROM key_pairs", "nova_api").strip(), "0")

    def race(self, bodies):
        """POSTs bodies[i] at once, alternately to nova-api and keypaird; their statuses."""
        statuses = [None] * len(bodies)
        start = threading.Barrier(len(bodies))

        def one(i):
            port = self.nova.port if i % 2 else self.keypaird.port
            start.wait()
            statuses[i] = call(port, "POST", "", bodies[i])[0]

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(bodies))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return statuses

    def test_one_name_at_once_through_both(self):
        # The same name in four spellings of case, through both servers at once: one 201.
        names = ["race", "RACE", "Race", "rAcE"]
        statuses = self.race([{"keypair": {"name": names[i % 4], "public_key": ED25519}}
                              for i in range(16)])
        self.assertEqual(statuses.count(201), 1, statuses)
        self.assertEqual(statuses.count(409), 15, statuses)
        self.assertEqual(self.db.sql("SELECT COUNT(*) FROM key_pairs", "nova_api").strip(), "1")

    def test_quota_under_a_race_through_both(self):
        # Generated keys: nova-api rechecks the quota after those (not after imports), as
        # keypaird does after every create. Never more than the quota, whoever wins.
        statuses = self.race([{"keypair": {"name": f"g{i}"}} for i in range(10)])
        created = statuses.count(201)
        self.assertEqual(created + statuses.count(403), 10, statuses)
        self.assertLessEqual(created, QUOTA)
        self.assertEqual(self.db.sql("SELECT COUNT(*) FROM key_pairs", "nova_api").strip(),
                         str(created))

    def test_quota_counts_both(self):
        for i in range(QUOTA):
            port = self.nova.port if i % 2 else self.keypaird.port
            status, body = call(port, "POST", "", {"keypair": {"name": f"k{i}",
                                                              "public_key": ED25519}})
            self.assertEqual(status, 201, body)
        nova, ours = self.both("POST", "", {"keypair": {"name": "over", "public_key": ED25519}})
        self.assertEqual(nova[0], 403, nova)
        self.assertEqual(ours, nova)
        nova, ours = self.both("POST", "", {"keypair": {"name": "over"}})
        self.assertEqual(nova[0], 403, nova)
        self.assertEqual(ours, nova)
        self.assertEqual(call(self.nova.port, "DELETE", "/k0")[0], 204)
        status, _ = call(self.keypaird.port, "POST", "", {"keypair": {"name": "over",
                                                                      "public_key": ED25519}})
        self.assertEqual(status, 201)
        nova, ours = self.both("POST", "", {"keypair": {"name": "over2", "public_key": ED25519}})
        self.assertEqual(nova[0], 403, nova)
        self.assertEqual(ours, nova)
        self.assertEqual(self.db.sql("SELECT COUNT(*) FROM key_pairs", "nova_api").strip(),
                         str(QUOTA))


if __name__ == "__main__":
    unittest.main()
