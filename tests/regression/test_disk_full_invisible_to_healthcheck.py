"""Regression: with the SQLite file's disk full, every create and delete answered 503 (right:
reads went on and nothing was lost), but nothing was logged and /healthcheck stayed 200, so a
load balancer kept sending writes to a node that could not write. Now /healthcheck answers 503
with the reason while writes fail, the log says why once per episode, and both recover by
themselves once there is room again (the store probes with a write of its own)."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"


class DiskFullTest(unittest.TestCase):
    def setUp(self):
        self.mount = tempfile.mkdtemp(prefix="keypaird-full-")
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", self.mount],
                                capture_output=True, text=True)
        if result.returncode != 0:
            self.fail("this test needs to mount a small tmpfs (root): " + result.stderr)
        self.server = Keypaird(BINARY, "[quota]\nkey_pairs = -1\n",
                               database_url="sqlite:///" + os.path.join(self.mount, "k.sqlite"))

    def tearDown(self):
        self.server.cleanup()
        subprocess.run(["umount", "-l", self.mount])
        shutil.rmtree(self.mount, ignore_errors=True)

    def health(self):
        status, _, body = self.server.request("GET", "/healthcheck")
        return status, body.decode()

    def fill(self):
        with open(os.path.join(self.mount, "filler"), "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass

    def test_healthcheck_and_log_follow_write_failures(self):
        self.server.start()
        self.assertEqual(self.server.json("POST", "/v2.1/os-keypairs",
                                          body={"keypair": {"name": "before",
                                                            "public_key": ED25519}})[0], 201)
        self.assertEqual(self.health(), (200, "OK"))
        self.fill()
        statuses = []
        for i in range(400):
            key = ED25519 + " " + ("c" * 8000) + str(i)
            status, _, _ = self.server.json("POST", "/v2.1/os-keypairs",
                                            body={"keypair": {"name": f"k{i}", "public_key": key}})
            statuses.append(status)
            if statuses[-3:] == [503, 503, 503]:
                break
        self.assertEqual(statuses[-1], 503, statuses)
        status, reason = self.health()
        self.assertEqual(status, 503)
        self.assertIn("STORE CANNOT WRITE", reason)
        self.assertIn("full", reason)
        # Reads go on; what was stored is still there.
        status, body, _ = self.server.json("GET", "/v2.1/os-keypairs/before")
        self.assertEqual(status, 200)
        for _ in range(5):
            self.assertEqual(self.health()[0], 503)
            time.sleep(0.3)
        log = self.server.read_log()
        self.assertEqual(log.count("fail (database or disk is full)"), 1, log[-3000:])

        os.remove(os.path.join(self.mount, "filler"))
        deadline = time.time() + 10
        while self.health()[0] != 200:
            self.assertLess(time.time(), deadline, "the health check never recovered")
            time.sleep(0.2)
        self.assertEqual(self.health(), (200, "OK"))
        self.assertIn("succeed again", self.server.read_log())
        self.assertEqual(self.server.json("POST", "/v2.1/os-keypairs",
                                          body={"keypair": {"name": "after",
                                                            "public_key": ED25519}})[0], 201)


if __name__ == "__main__":
    unittest.main()
