"""SIGTERM stops accepting, lets requests in flight finish and answer (for a bounded time), and
closes the store cleanly; SIGHUP reloads the log level without dropping connections. Access
lines (buffered per thread) are all written, exactly once, by a stop or a reopen."""

import os
import signal
import socket
import sqlite3
import sys
import threading
import time
import unittest

from keypaird_process import Keypaird, binary_from_argv
from raw_http import RawConnection, get

BINARY = binary_from_argv(sys.argv)
COUNT = 12


class ShutdownTest(unittest.TestCase):
    def test_sigterm_finishes_requests_in_flight_then_exits_cleanly(self):
        # One generation thread: the generations queue up and take a while to finish.
        server = Keypaird(BINARY, "[keypaird]\nkey_generation_threads = 1\n"
                                  "[DEFAULT]\ngraceful_shutdown_timeout = 60\n").start()
        self.addCleanup(server.cleanup)
        idle = RawConnection(server.port)  # a keep-alive connection between requests
        self.addCleanup(idle.close)
        idle.send(get("/v2.1/os-keypairs"))
        self.assertEqual(idle.read_response()[0], 200)

        results = {}

        def generate(i):
            results[i] = server.json("POST", "/v2.1/os-keypairs", f"u{i}:p", "2.10",
                                     {"keypair": {"name": f"gen-{i}"}})

        threads = [threading.Thread(target=generate, args=(i,)) for i in range(COUNT)]
        for t in threads:
            t.start()
        time.sleep(0.1)
        server.process.send_signal(signal.SIGTERM)
        signalled = time.time()
        time.sleep(0.2)
        with self.assertRaises(OSError):  # no longer accepting
            socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
        self.assertTrue(idle.closed_by_peer(5))  # idle connections are closed at once
        for t in threads:
            t.join(120)
        self.assertEqual(server.process.wait(120), 0)
        self.assertLess(time.time() - signalled, 60)
        in_flight = 0
        for i in range(COUNT):
            status, body, headers = results[i]
            self.assertEqual(status, 201, body)
            self.assertIn("PRIVATE KEY", body["keypair"]["private_key"])
            in_flight += headers.get("connection") == "close"
        self.assertGreater(in_flight, 0)  # some were still running when the signal came
        # Cleanly closed: the last connection checkpointed and removed the WAL file.
        self.assertFalse(os.path.exists(server.db_path + "-wal"))
        with sqlite3.connect(server.db_path) as db:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            self.assertEqual(db.execute("SELECT count(*) FROM key_pairs").fetchone()[0], COUNT)
        self.assertIn("stopped", server.read_log())

    def test_the_wait_for_requests_in_flight_is_bounded(self):
        server = Keypaird(BINARY, "[DEFAULT]\ngraceful_shutdown_timeout = 1\n").start()
        self.addCleanup(server.cleanup)
        slow = RawConnection(server.port)
        slow.send(b"GET /v2.1/os-keypairs HTTP/1.1\r\nHost: x\r\n")  # and never finishes
        time.sleep(0.2)
        started = time.time()
        server.process.send_signal(signal.SIGTERM)
        self.assertEqual(server.process.wait(30), 0)
        self.assertLess(time.time() - started, 8)
        slow.close()


def answer_many(port, prefix, count):
    """`count` requests on two keep-alive connections (so on both network threads, usually)."""
    connections = [RawConnection(port), RawConnection(port)]
    try:
        for i in range(count):
            c = connections[i % 2]
            c.send(get(f"/v2.1/os-keypairs/{prefix}-{i}"))
            assert c.read_response()[0] == 404
    finally:
        for c in connections:
            c.close()


def logged_names(text, prefix):
    return [m for m in text.split() if f"/{prefix}-" in m]


class AccessLogFlushTest(unittest.TestCase):
    def test_a_stop_while_answering_loses_no_access_line(self):
        server = Keypaird(BINARY).start()  # log_level info: an access line per request
        self.addCleanup(server.cleanup)
        answered = []

        def keep_asking(n):
            # Back to back until the server closes: the last answers come just before the
            # stop, while their lines are still in the buffers.
            c = RawConnection(server.port)
            try:
                for i in range(1000000):
                    c.send(get(f"/v2.1/os-keypairs/flushed-{n}-{i}"))
                    response = c.read_response()
                    if response is None:
                        return
                    answered.append(f"flushed-{n}-{i}")
                    if response[1].get("connection") == "close":
                        return
            except OSError:
                return
            finally:
                c.close()

        threads = [threading.Thread(target=keep_asking, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(30)
        self.assertEqual(server.process.wait(30), 0)
        log = server.read_log()
        logged = set(name.split("/")[-1].rstrip('"') for name in logged_names(log, "flushed"))
        self.assertGreater(len(answered), 10)
        self.assertEqual([name for name in answered if name not in logged], [])
        # Written before the last message, not after it.
        self.assertGreater(log.rindex("stopped"), log.rindex("/flushed-"))

    def test_a_reopen_writes_what_came_before_to_the_old_file(self):
        server = Keypaird(BINARY)
        log_file = os.path.join(server.dir, "api.log")
        with open(server.config_path, "a") as f:
            f.write(f"[DEFAULT]\nlog_file = {log_file}\n")
        server.start()
        self.addCleanup(server.cleanup)
        answer_many(server.port, "before", 200)
        os.rename(log_file, log_file + ".1")
        server.process.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while not os.path.exists(log_file) and time.time() < deadline:
            time.sleep(0.01)
        answer_many(server.port, "after", 200)
        server.process.send_signal(signal.SIGTERM)
        self.assertEqual(server.process.wait(30), 0)
        with open(log_file + ".1") as f:
            old = f.read()
        with open(log_file) as f:
            new = f.read()
        self.assertEqual(len(logged_names(old, "before")), 200)
        self.assertEqual(logged_names(new, "before"), [])
        self.assertEqual(len(logged_names(new, "after")), 200)
        self.assertEqual(logged_names(old, "after"), [])


class ReloadTest(unittest.TestCase):
    def test_sighup_reloads_the_log_level_and_keeps_connections(self):
        server = Keypaird(BINARY, "[DEFAULT]\nlog_level = warning\n").start()
        self.addCleanup(server.cleanup)
        kept = RawConnection(server.port)
        self.addCleanup(kept.close)
        kept.send(get("/v2.1/os-keypairs/before-reload"))
        self.assertEqual(kept.read_response()[0], 404)
        self.assertNotIn("before-reload", server.read_log())  # access lines are info

        with open(server.config_path) as f:
            config = f.read()
        with open(server.config_path, "w") as f:
            f.write(config.replace("log_level = warning", "log_level = info"))
        server.process.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while "configuration reloaded" not in server.read_log() and time.time() < deadline:
            time.sleep(0.05)
        kept.send(get("/v2.1/os-keypairs/after-reload"))  # same connection, still open
        self.assertEqual(kept.read_response()[0], 404)
        time.sleep(0.2)
        self.assertIn("after-reload", server.read_log())
        self.assertIsNone(server.process.poll())

        with open(server.config_path, "w") as f:
            f.write(config)
        server.process.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while server.read_log().count("configuration reloaded") < 2 and time.time() < deadline:
            time.sleep(0.05)
        kept.send(get("/v2.1/os-keypairs/back-to-info"))
        self.assertEqual(kept.read_response()[0], 404)
        time.sleep(0.2)
        self.assertNotIn("back-to-info", server.read_log())

    def test_a_bad_config_on_sighup_keeps_the_running_settings(self):
        server = Keypaird(BINARY).start()
        self.addCleanup(server.cleanup)
        with open(server.config_path, "a") as f:
            f.write("[DEFAULT]\nlog_level = loud\n")
        server.process.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while "not reloaded" not in server.read_log() and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn("not reloaded", server.read_log())
        status, _, _ = server.request("GET", "/v2.1/os-keypairs", "alice:a11ce000", "2.10")
        self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
