"""Two keypaird nodes on one PostgreSQL server (a throwaway one, see postgres_server.py): nothing
doubled, nothing lost, the quota never overshot, whichever node each request reaches."""

import http.client
import json
import sys
import threading
import unittest
from collections import Counter

from keypaird_process import Keypaird, binary_from_argv
from postgres_server import PostgresServer

BINARY = binary_from_argv(sys.argv)
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"
NODE_CONFIG = "[quota]\nkey_pairs = 10\n[DEFAULT]\nosapi_compute_workers = 2\n"


def all_at_once(count, action):
    """Runs action(i) for i in range(count) on that many threads released together; returns
    the results in order."""
    results = [None] * count
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait()
        results[i] = action(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def creates_at_once(requests):
    """POSTs one import per (node, user, name) in `requests`, all released together over
    connections opened beforehand (so the requests really overlap); returns [(status, body)]."""
    connections = []
    for node, _, _ in requests:
        conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=60)
        conn.connect()
        connections.append(conn)

    def send(i):
        _, user, name = requests[i]
        body = json.dumps({"keypair": {"name": name, "public_key": ED25519}})
        connections[i].request("POST", "/v2.1/os-keypairs", body=body, headers={
            "X-Auth-Token": f"{user}:p", "OpenStack-API-Version": "compute 2.10",
            "Content-Type": "application/json"})
        response = connections[i].getresponse()
        data = response.read()
        connections[i].close()
        return response.status, json.loads(data)

    return all_at_once(len(requests), send)


class TwoNodesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = PostgresServer().start()
        cls.nodes = []
        try:
            # Both start at the same moment: the schema is created once (advisory lock).
            nodes = [Keypaird(BINARY, NODE_CONFIG, database_url=cls.pg.url()) for _ in range(2)]
            all_at_once(2, lambda i: nodes[i].start())
            cls.nodes = nodes
        except BaseException:
            for node in nodes:
                node.cleanup()
            cls.pg.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        for node in cls.nodes:
            node.cleanup()
        cls.pg.cleanup()

    def create(self, node, user, name):
        status, body, _ = node.json("POST", "/v2.1/os-keypairs", f"{user}:p", "2.10",
                                    {"keypair": {"name": name, "public_key": ED25519}})
        return status, body

    def names(self, node, user):
        status, body, _ = node.json("GET", "/v2.1/os-keypairs", f"{user}:p")
        self.assertEqual(status, 200)
        return {k["keypair"]["name"] for k in body["keypairs"]}

    def test_schema_created_once(self):
        self.assertEqual(self.pg.psql("SELECT count(*) FROM keypaird_schema_version").strip(), "1")

    def test_same_name_50_times_exactly_one_201(self):
        results = creates_at_once([(self.nodes[i % 2], "dup", "same") for i in range(50)])
        statuses = Counter(status for status, _ in results)
        self.assertEqual(statuses, Counter({201: 1, 409: 49}), statuses)
        for status, body in results:
            if status == 409:
                self.assertEqual(body, {"conflictingRequest": {
                    "code": 409, "message": "Key pair 'same' already exists."}})
        for node in self.nodes:
            self.assertEqual(self.names(node, "dup"), {"same"})

    def test_100_distinct_names_against_quota_10(self):
        results = creates_at_once([(self.nodes[i % 2], "quota", f"k{i:03}") for i in range(100)])
        statuses = Counter(status for status, _ in results)
        self.assertEqual(statuses, Counter({201: 10, 403: 90}), statuses)
        created = {body["keypair"]["name"] for status, body in results if status == 201}
        for status, body in results:
            if status == 403:
                self.assertEqual(body, {"forbidden": {
                    "code": 403, "message": "Quota exceeded, too many key pairs."}})
        for node in self.nodes:
            self.assertEqual(self.names(node, "quota"), created)
        self.assertEqual(
            self.pg.psql("SELECT count(*) FROM key_pairs WHERE user_id = 'quota'").strip(), "10")

    def test_create_delete_storm(self):
        """8 users, each creating 27 keys through alternating nodes; a third of them are then
        deleted through both nodes at once (exactly one 204, one 404), a third through the other
        node, a third kept. Every 201 not followed by a 204 must be there; every 204 gone."""
        lock = threading.Lock()
        created, deleted, problems = set(), set(), []

        def worker(w):
            user = f"storm{w}"
            for i in range(27):
                name = f"k{i}"
                node = self.nodes[(w + i) % 2]
                status, _ = self.create(node, user, name)
                if status != 201:
                    problems.append(f"create {user}/{name}: {status}")
                    continue
                with lock:
                    created.add((user, name))
                path = f"/v2.1/os-keypairs/{name}"
                if i % 3 == 0:
                    answers = all_at_once(2, lambda n: self.nodes[n].json(
                        "DELETE", path, f"{user}:p")[0])
                    if sorted(answers) != [204, 404]:
                        problems.append(f"racing deletes of {user}/{name}: {answers}")
                    if 204 in answers:
                        with lock:
                            deleted.add((user, name))
                elif i % 3 == 2:
                    status = self.nodes[(w + i + 1) % 2].json("DELETE", path, f"{user}:p")[0]
                    if status == 204:
                        with lock:
                            deleted.add((user, name))
                    else:
                        problems.append(f"delete {user}/{name}: {status}")

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(problems, [])
        self.assertEqual(len(created), 8 * 27)
        self.assertEqual(len(deleted), 8 * 18)
        for w in range(8):
            user = f"storm{w}"
            expected = {name for u, name in created - deleted if u == user}
            for node in self.nodes:
                self.assertEqual(self.names(node, user), expected)
        rows = self.pg.psql("SELECT count(*) FROM key_pairs WHERE user_id LIKE 'storm%'")
        self.assertEqual(int(rows), 8 * 9)


if __name__ == "__main__":
    unittest.main(verbosity=2)
