"""Durability: every create answered 201 and every delete answered 204 survives kill -9, and the
SQLite file passes its integrity check after restart."""

import os
import sqlite3
import stat
import sys
import threading
import unittest

from keypaird_process import Keypaird, binary_from_argv

BINARY = binary_from_argv(sys.argv)
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"


class RestartTest(unittest.TestCase):
    def test_acknowledged_writes_survive_kill_9(self):
        server = Keypaird(BINARY, "[quota]\nkey_pairs = -1\n").start()
        try:
            acknowledged, deleted = set(), set()
            lock = threading.Lock()

            def writer(worker):
                for i in range(40):
                    name = f"k{worker}-{i}"
                    status, _, _ = server.json("POST", "/v2.1/os-keypairs", f"u{worker}:p", "2.10",
                                               {"keypair": {"name": name, "public_key": ED25519}})
                    if status == 201:
                        with lock:
                            acknowledged.add((f"u{worker}", name))
                    if i % 4 == 0:
                        status, _, _ = server.json("DELETE", f"/v2.1/os-keypairs/{name}",
                                                   f"u{worker}:p")
                        if status == 204:
                            with lock:
                                deleted.add((f"u{worker}", name))

            threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            server.kill9()

            self.assertEqual(stat.S_IMODE(os.stat(server.db_path).st_mode), 0o600)
            restarted = Keypaird(BINARY, "[quota]\nkey_pairs = -1\n", state_dir=server.dir,
                                 port=server.port).start()
            try:
                for worker in range(8):
                    _, body, _ = restarted.json("GET", "/v2.1/os-keypairs", f"u{worker}:p")
                    present = {(f"u{worker}", k["keypair"]["name"]) for k in body["keypairs"]}
                    expected = {k for k in acknowledged - deleted if k[0] == f"u{worker}"}
                    self.assertEqual(present, expected)
            finally:
                restarted.stop()
            with sqlite3.connect(server.db_path) as db:
                self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
                rows = db.execute("SELECT count(*) FROM key_pairs").fetchone()[0]
            self.assertEqual(rows, len(acknowledged - deleted))
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
