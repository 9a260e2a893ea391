"""Start-up behaviour: --help and --version, bad values stop keypaird with a clear message,
unknown nova.conf options are only warned about, settings take effect."""

import os
import select
import sqlite3
import subprocess
import sys
import tempfile
import unittest

from keypaird_process import Keypaird, binary_from_argv

BINARY = binary_from_argv(sys.argv)


class ConfigTest(unittest.TestCase):
    def test_help_and_version(self):
        out = subprocess.run([BINARY, "--help"], capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 0)
        self.assertIn("--config-file", out.stdout)
        out = subprocess.run([BINARY, "--version"], capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 0)
        self.assertRegex(out.stdout, r"^keypaird \d+\.\d+\.\d+")

    def test_bad_value_is_a_clear_start_up_error(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
            f.write("[quota]\nkey_pairs = lots\n")
            f.flush()
            out = subprocess.run([BINARY, "--config-file", f.name], capture_output=True,
                                 text=True, timeout=10)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("key_pairs", out.stderr)
        self.assertIn("lots", out.stderr)

    def test_db_sync_creates_the_schema_and_exits(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "sub", "keypaird.sqlite")
            with open(os.path.join(d, "keypaird.conf"), "w") as f:
                f.write(f"[database]\nconnection = sqlite:///{path}\n")
            out = subprocess.run([BINARY, "--config-file", os.path.join(d, "keypaird.conf"),
                                  "--db-sync"], capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)
            with sqlite3.connect(path) as db:
                self.assertEqual(db.execute("SELECT max(version) FROM schema_version")
                                 .fetchone()[0], 1)
                self.assertEqual(db.execute("SELECT count(*) FROM key_pairs").fetchone()[0], 0)

    def test_missing_config_file_is_an_error(self):
        out = subprocess.run([BINARY, "--config-file", "/nonexistent/keypaird.conf"],
                             capture_output=True, text=True, timeout=10)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("/nonexistent/keypaird.conf", out.stderr)

    def test_unknown_options_warn_and_settings_apply(self):
        server = Keypaird(BINARY, "[api]\nmax_microversion = 2.50\n"
                                  "[glance]\napi_servers = http://x\n").start()
        try:
            status, body, _ = server.json("GET", "/", token=None, version=None)
            self.assertEqual(body["versions"][1]["version"], "2.50")
            status, _, _ = server.json("GET", "/v2.1/os-keypairs", version="2.51")
            self.assertEqual(status, 406)
            self.assertIn("unknown option [glance] api_servers", server.read_log())
        finally:
            server.cleanup()

    def test_sample_config_starts(self):
        sample = os.path.join(os.path.dirname(__file__), "..", "..", "etc", "keypaird.conf")
        with tempfile.TemporaryDirectory() as d:
            with open(sample) as f:
                text = f.read().replace("osapi_compute_listen_port = 8774",
                                        "osapi_compute_listen_port = 0")
            conf = os.path.join(d, "k.conf")
            with open(conf, "w") as f:
                f.write(text)
            proc = subprocess.Popen([BINARY, "--config-file", conf], cwd=d,
                                    stderr=subprocess.PIPE, text=True)
            try:
                ready, _, _ = select.select([proc.stderr], [], [], 15)
                self.assertTrue(ready, "keypaird printed nothing within 15 s")
                lines = proc.stderr.readline() + proc.stderr.readline()
                self.assertIn("listening on http://127.0.0.1:", lines)
                self.assertTrue(os.path.exists(os.path.join(d, "state", "keypaird.sqlite")))
            finally:
                proc.terminate()
                proc.wait(10)


if __name__ == "__main__":
    unittest.main(verbosity=2)
