"""Crash safety: a write load, keypaird killed with SIGKILL at random moments (CRASH_CYCLES
times, at least 20), restarted each time. Every create answered 201 must be there, every delete
answered 204 gone, nothing appears that was never asked for, and the SQLite file passes its
integrity check after every crash."""

import os
import random
import sqlite3
import sys
import threading
import time
import unittest

from keypaird_process import Keypaird, binary_from_argv

BINARY = binary_from_argv(sys.argv)
CYCLES = max(20, int(os.environ.get("CRASH_CYCLES", "20")))
WRITERS = 4
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"
CONFIG = "[quota]\nkey_pairs = -1\n"


class Ledger:
    """What the clients were told, per (user, name)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.created = set()      # answered 201
        self.deleted = set()      # answered 204
        self.attempted = set()    # sent a create, whatever came back (or nothing)
        self.uncertain_delete = set()  # sent a delete, no answer


def write_load(server, ledger, worker, cycle, stop):
    user = f"w{worker}"
    i = 0
    while not stop.is_set():
        name = f"c{cycle}-{i}"
        i += 1
        key = (user, name)
        with ledger.lock:
            ledger.attempted.add(key)
        try:
            status, _, _ = server.json("POST", "/v2.1/os-keypairs", f"{user}:p", "2.10",
                                       {"keypair": {"name": name, "public_key": ED25519}})
        except OSError:
            return  # the server is gone
        if status != 201:
            continue
        with ledger.lock:
            ledger.created.add(key)
        if i % 3 == 0:
            with ledger.lock:
                ledger.uncertain_delete.add(key)
            try:
                status, _, _ = server.json("DELETE", f"/v2.1/os-keypairs/{name}", f"{user}:p")
            except OSError:
                return
            if status == 204:
                with ledger.lock:
                    ledger.deleted.add(key)
                    ledger.uncertain_delete.discard(key)


class CrashSafetyTest(unittest.TestCase):
    def check(self, db_path, ledger):
        with sqlite3.connect(db_path) as db:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            present = set(db.execute("SELECT user_id, name FROM key_pairs").fetchall())
        db.close()
        with ledger.lock:
            must_exist = ledger.created - ledger.deleted - ledger.uncertain_delete
            self.assertEqual(must_exist - present, set(), "acknowledged creates lost")
            self.assertEqual(ledger.deleted & present, set(), "acknowledged deletes undone")
            self.assertEqual(present - ledger.attempted, set(), "rows nobody created")

    def test_acknowledged_writes_survive_repeated_kill_9(self):
        rng = random.Random(int(os.environ.get("CRASH_SEED", str(int(time.time())))))
        ledger = Ledger()
        server = Keypaird(BINARY, CONFIG).start()
        state_dir = server.dir
        try:
            for cycle in range(CYCLES):
                stop = threading.Event()
                writers = [threading.Thread(target=write_load, args=(server, ledger, w, cycle, stop))
                           for w in range(WRITERS)]
                for t in writers:
                    t.start()
                time.sleep(rng.uniform(0.05, 0.5))
                server.kill9()
                stop.set()
                for t in writers:
                    t.join(60)
                self.check(server.db_path, ledger)
                server = Keypaird(BINARY, CONFIG, state_dir=state_dir).start()
            # And through the API after the last restart.
            for worker in range(WRITERS):
                status, body, _ = server.json("GET", "/v2.1/os-keypairs", f"w{worker}:p")
                self.assertEqual(status, 200)
                listed = {(f"w{worker}", k["keypair"]["name"]) for k in body["keypairs"]}
                with ledger.lock:
                    expected = {k for k in ledger.created - ledger.deleted - ledger.uncertain_delete
                                if k[0] == f"w{worker}"}
                self.assertEqual(expected - listed, set())
            print(f"{CYCLES} kills; {len(ledger.created)} creates and {len(ledger.deleted)} deletes"
                  " acknowledged, all intact", file=sys.stderr)
            self.assertGreater(len(ledger.created), CYCLES)
        finally:
            server.stop()
            server.own_dir = True
            server.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
