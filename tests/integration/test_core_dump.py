"""Private keys and core dumps. keypaird makes itself not dumpable with a core size limit of 0,
and its key pool (RSA keys for requests still to come) keeps the private numbers in OpenSSL's
secure heap, which is marked MADV_DONTDUMP. A core taken anyway (gcore, as root, honours
MADV_DONTDUMP like the kernel) holds none of the p, q, d, dP, dQ, qInv of the keys the pool
then hands out, and a core taken after the answers holds none of the answered keys either.

Each scan has a positive control (the pooled keys' public modulus n, an ordinary BIGNUM on the
ordinary heap; an answered key's public key, read back) that must be found, so an empty result
means "not there", not "not looked at". To see the scan
find private keys, run it against a binary without the protection (e.g. a build from before it)
with KEYPAIRD_CORE_DUMP_EXPECT_LEAK=1: the pool test then requires the leak (answered keys were
wiped before, so that test stays as it is)."""

import base64
import os
import pwd
import shutil
import sys
import tempfile
import unittest

from cryptography.hazmat.primitives.serialization import pkcs12

import core_dump_scan as scan
from keypaird_process import Keypaird, binary_from_argv

BINARY = binary_from_argv(sys.argv)
EXPECT_LEAK = os.environ.get("KEYPAIRD_CORE_DUMP_EXPECT_LEAK") == "1"
POOL = 4
METRICS_TOKEN = "c0re-m3trics"
CONFIG = ("[DEFAULT]\nworkers = 1\n[keypaird]\n"
          f"key_pool_size = {POOL}\nkey_generation_threads = 1\nmetrics_token = {METRICS_TOKEN}\n")


def pem_of_pkcs12(bundle_base64):
    """The PEM of the private key in an x509 keypair's PKCS#12 bundle (empty password)."""
    from cryptography.hazmat.primitives import serialization
    key, _, _ = pkcs12.load_key_and_certificates(base64.b64decode(bundle_base64), b"")
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


@unittest.skipUnless(scan.gcore_available(), "gcore (gdb) is not installed")
@unittest.skipIf(scan.sanitized_build(BINARY), "a sanitizer build's core would fill the disk")
class CoreDumpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Keypaird(BINARY, CONFIG).start()
        cls.cores = tempfile.mkdtemp(prefix="keypaird-cores-")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        shutil.rmtree(cls.cores, ignore_errors=True)

    def core(self):
        path = scan.take_core(self.server.process.pid, self.cores)
        try:
            return scan.read_core(path)
        finally:
            os.remove(path)

    def generate(self, name, kind=None):
        keypair = {"name": name}
        if kind:
            keypair["type"] = kind
        status, body, _ = self.server.json("POST", "/v2.1/os-keypairs", "alice:a11ce000", "2.10",
                                           {"keypair": keypair})
        self.assertEqual(status, 201, body)
        private_key = body["keypair"]["private_key"]
        return pem_of_pkcs12(private_key) if kind == "x509" else private_key

    def assert_no_private_numbers(self, core, pems, what, controls, expect_leak=False):
        for control in controls:
            self.assertIn(control, core, "control: what the scan must see is in the core")
        found = scan.find_key_material(core, pems)
        total = sum(entry[3] for entry in found)
        print(f"\n{what}: {total} bytes of private key numbers found in a core of "
              f"{len(core)} non-zero bytes: {found}", file=sys.stderr)
        if expect_leak:
            self.assertGreater(total, 0, "expected the unprotected binary to leak")
        else:
            self.assertEqual(found, [], f"private key numbers in the core ({what})")

    def test_1_pooled_keys_are_not_in_a_core_taken_before_the_requests(self):
        scan.wait_for_full_pool(self.server, POOL, METRICS_TOKEN)
        core = self.core()
        # Taken one after another at once, these come from the pool (it refills at idle
        # priority, a key at a time, far slower than four requests).
        pems = [self.generate(f"pooled-{i}") for i in range(POOL)]
        # Control: the pooled keys' public modulus n, an ordinary BIGNUM on the ordinary heap.
        moduli = [scan.public_modulus(pem).to_bytes(256, "little") for pem in pems]
        self.assert_no_private_numbers(core, pems, "pooled keys, core before the answers", moduli,
                                       expect_leak=EXPECT_LEAK)

    def test_2_answered_keys_leave_no_copy_behind(self):
        pems = [self.generate("answered-ssh"), self.generate("answered-x509", kind="x509")]
        # Control: the stored public key, read back (keypaird keeps what it reads in memory).
        status, body, _ = self.server.json("GET", "/v2.1/os-keypairs/answered-ssh")
        self.assertEqual(status, 200)
        public = body["keypair"]["public_key"].split()[1][:64].encode()
        core = self.core()
        self.assert_no_private_numbers(core, pems, "answered keys, core after the answers",
                                       [public])
        self.assertEqual(scan.find_pem_lines(core, pems[:1]), 0, "PEM text in the core")

    def test_3_the_process_is_not_dumpable_and_may_not_dump(self):
        with open(f"/proc/{self.server.process.pid}/limits") as f:
            core_limit = [l for l in f if l.startswith("Max core file size")][0].split()
        if EXPECT_LEAK:
            return
        self.assertEqual(core_limit[4:6], ["0", "0"], core_limit)
        if os.geteuid() != 0 or not shutil.which("setpriv"):
            self.skipTest("needs root and setpriv to run keypaird as another user")
        # The kernel shows a non-dumpable process's /proc files as root's, whoever runs it.
        nobody = pwd.getpwnam("nobody")
        other = Keypaird(BINARY, "")
        os.chmod(other.dir, 0o777)
        wrapper = os.path.join(other.dir, "as-nobody")
        with open(wrapper, "w") as f:
            f.write(f"#!/bin/sh\nexec setpriv --reuid={nobody.pw_uid} --regid={nobody.pw_gid} "
                    f"--clear-groups {os.path.abspath(BINARY)} \"$@\"\n")
        os.chmod(wrapper, 0o755)
        other.binary = wrapper
        try:
            other.start()
            pid = other.process.pid
            with open(f"/proc/{pid}/status") as f:
                uid = [l for l in f if l.startswith("Uid:")][0].split()[1]
            self.assertEqual(int(uid), nobody.pw_uid)
            self.assertEqual(os.stat(f"/proc/{pid}/environ").st_uid, 0,
                             "dumpable: /proc/PID is owned by the process's user")
        finally:
            other.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
