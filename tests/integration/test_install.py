"""cmake --install into a temporary prefix: both binaries, the sample config pointing at
/var/lib/keypaird, and a hardened systemd unit that systemd-analyze accepts (when present)."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from keypaird_process import binary_from_argv

BINARY = binary_from_argv(sys.argv)
BUILD_DIR = os.path.dirname(os.path.abspath(BINARY))


class InstallTest(unittest.TestCase):
    def test_install_tree(self):
        with tempfile.TemporaryDirectory() as prefix:
            out = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", prefix],
                                 capture_output=True, text=True, timeout=120)
            self.assertEqual(out.returncode, 0, out.stderr)
            for name in ("keypaird", "keypaird-manage"):
                path = os.path.join(prefix, "bin", name)
                self.assertTrue(os.access(path, os.X_OK), path)
            version = subprocess.run([os.path.join(prefix, "bin", "keypaird"), "--version"],
                                     capture_output=True, text=True)
            self.assertRegex(version.stdout, r"^keypaird \d+\.\d+\.\d+")

            with open(os.path.join(prefix, "etc", "keypaird", "keypaird.conf")) as f:
                conf = f.read()
            self.assertIn("state_path = /var/lib/keypaird", conf)

            unit_path = os.path.join(prefix, "lib", "systemd", "system", "keypaird.service")
            with open(unit_path) as f:
                unit = f.read()
            for line in ("User=keypaird", "ProtectSystem=strict", "NoNewPrivileges=yes",
                         "StateDirectory=keypaird", "PrivateTmp=yes", "ProtectHome=yes",
                         "ExecReload=/bin/kill -HUP $MAINPID"):
                self.assertIn(line + "\n", unit)
            self.assertIn("ExecStart=/usr/local/bin/keypaird --config-file "
                          "/usr/local/etc/keypaird/keypaird.conf\n", unit)
            with open(os.path.join(prefix, "lib", "sysusers.d", "keypaird.conf")) as f:
                self.assertIn("u keypaird ", f.read())

            if shutil.which("systemd-analyze"):
                # Verify a copy whose ExecStart points at the binary just installed.
                local = os.path.join(prefix, "keypaird.service")
                with open(local, "w") as f:
                    f.write(unit.replace("/usr/local/bin/keypaird",
                                         os.path.join(prefix, "bin", "keypaird")))
                out = subprocess.run(["systemd-analyze", "verify", local], capture_output=True,
                                     text=True, timeout=60)
                problems = [l for l in out.stderr.splitlines() if "keypaird" in l]
                self.assertEqual(problems, [], out.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
