"""Faults under load, two keypaird nodes on one throwaway MariaDB: the server killed (SIGKILL)
and restarted, stopped cleanly for a while, or frozen (SIGSTOP). Requests in the window get 503
in Nova's format within the configured timeout (no crash, no hang), version documents keep
answering at once, keypaird recovers by itself, and every create answered 201 is in the
database afterwards. The load and the burst are test_postgres_faults.py's."""

import signal
import sys
import time
import unittest

import test_postgres_faults as shared
from keypaird_process import Keypaird
from mariadb_server import MariadbServer

BINARY = shared.BINARY
TIMEOUT = shared.TIMEOUT  # [database] timeout given to keypaird (whole seconds: see the store)
SLACK = shared.SLACK
NODE_CONFIG = shared.NODE_CONFIG
UNAVAILABLE = shared.UNAVAILABLE


class MariadbFaultTest(unittest.TestCase):
    def setUp(self):
        self.db = MariadbServer().start()
        self.nodes = []
        for _ in range(2):
            self.nodes.append(Keypaird(BINARY, NODE_CONFIG, database_url=self.db.url()).start())

    def tearDown(self):
        for node in self.nodes:
            node.cleanup()
        self.db.cleanup()

    def run_fault(self, fault):
        """Load for 1 s, then `fault()` (returns when the database is back), then load for a
        while longer; returns (answers, back_at)."""
        load = shared.Load(self.nodes).start()
        try:
            time.sleep(1.0)
            fault()
            back_at = time.monotonic()
            time.sleep(2.5)
        finally:
            load.stop()
        return load.answers, back_at

    def check(self, answers, back_at):
        for node in self.nodes:
            self.assertIsNone(node.process.poll(), "keypaird exited:\n" + node.read_log())
        by_kind = {}
        for answer in answers:
            by_kind.setdefault(answer[0], []).append(answer)
        creates, shows, versions = by_kind["create"], by_kind["show"], by_kind["version"]

        unavailable = 0
        acknowledged_creates = {(a[1], a[2]) for a in creates if a[3] == 201}
        for kind, user, name, status, body, _, took in creates + shows:
            self.assertIn(status, (201, 200, 404, 503), f"{kind} {user}/{name}: {status} {body}")
            if kind == "show" and status == 404:
                self.assertNotIn((user, name), acknowledged_creates)
            if status == 503:
                unavailable += 1
                self.assertEqual(body, {"serviceUnavailable": {"code": 503,
                                                               "message": UNAVAILABLE}})
            bound = (2 if kind == "create" else 1) * TIMEOUT + SLACK
            self.assertLess(took, bound, f"{kind} {user}/{name} took {took:.2f} s")
        self.assertGreater(unavailable, 0, "the fault window produced no 503")

        self.assertTrue(all(a[3] == 200 for a in versions))
        self.assertLess(max(a[6] for a in versions), 1.0)

        # Recovered by itself.
        settled = back_at + 1.0
        late = [a for a in creates if a[5] > settled]
        self.assertTrue(late, "no requests after recovery")
        self.assertEqual([a for a in late if a[3] != 201], [])
        self.assertEqual({a[1] for a in late}, {a[1] for a in creates})

        # Nothing acknowledged is lost, seen through either node and in the database itself.
        rows = self.db.sql("SELECT CONVERT(user_id USING utf8mb4), CONVERT(name USING utf8mb4)"
                           " FROM key_pairs", "keypaird")
        in_database = {tuple(line.split("\t")) for line in rows.splitlines()}
        self.assertEqual(acknowledged_creates - in_database, set())
        for user in {a[1] for a in creates}:
            for node in self.nodes:
                status, body, _ = node.json("GET", "/v2.1/os-keypairs", f"{user}:p")
                self.assertEqual(status, 200)
                listed = {(user, k["keypair"]["name"]) for k in body["keypairs"]}
                self.assertEqual({k for k in acknowledged_creates if k[0] == user} - listed,
                                 set())
        print(f"\n  {len(creates)} creates ({len(acknowledged_creates)} acknowledged), "
              f"{len(shows)} shows, {unavailable} answered 503, {len(versions)} version "
              f"documents (slowest {max(a[6] for a in versions) * 1000:.0f} ms)",
              file=sys.stderr)

    def test_crash_restart_during_load(self):
        # SIGKILL: InnoDB recovers from its redo log on the way back up.
        answers, back_at = self.run_fault(lambda: self.db.restart(crash=True, down_for=1.5))
        self.check(answers, back_at)

    def test_clean_stop_during_load(self):
        answers, back_at = self.run_fault(lambda: self.db.restart(crash=False, down_for=1.5))
        self.check(answers, back_at)

    def test_frozen_database_during_load(self):
        burst = []

        def freeze():
            self.db.process.send_signal(signal.SIGSTOP)
            try:
                time.sleep(TIMEOUT + 0.5)
                # More requests at once than a node has threads for database calls: they must
                # not queue behind each other for a timeout each.
                burst.extend(shared.requests_at_once(self.nodes[0], 150))
            finally:
                self.db.process.send_signal(signal.SIGCONT)

        answers, back_at = self.run_fault(freeze)
        self.check(answers, back_at)
        self.assertEqual(len(burst), 150)
        self.assertEqual({status for status, _ in burst}, {503})
        self.assertLess(max(took for _, took in burst), TIMEOUT + 1.0)
        print(f"  burst of 150 during the freeze: slowest {max(t for _, t in burst):.2f} s",
              file=sys.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
