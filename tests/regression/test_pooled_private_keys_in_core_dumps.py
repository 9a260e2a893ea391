"""Bug: a core dump of keypaird (gcore, or the kernel's on a crash) held the private keys its
pool had generated for requests still to come: p, q, d of up to key_pool_size (16) future
users' keys, as plain BIGNUMs on the ordinary heap, and nothing turned dumps off. Fixed by
keeping the private numbers in OpenSSL's secure heap (MADV_DONTDUMP) and making the process
not dumpable with RLIMIT_CORE 0. Here: a core taken with the pool full, then the pooled keys
handed out; none of their private numbers is in the core, while their public modulus is."""

import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import core_dump_scan as scan  # noqa: E402
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)
POOL = 4


@unittest.skipUnless(scan.gcore_available(), "gcore (gdb) is not installed")
@unittest.skipIf(scan.sanitized_build(BINARY), "a sanitizer build's core would fill the disk")
class PooledKeysInCoreDumps(unittest.TestCase):
    def test_a_core_taken_with_a_full_pool_holds_none_of_the_pooled_private_keys(self):
        server = Keypaird(BINARY, f"[keypaird]\nkey_pool_size = {POOL}\n"
                                  "key_generation_threads = 1\nmetrics_token = t\n").start()
        cores = tempfile.mkdtemp(prefix="keypaird-cores-")
        try:
            scan.wait_for_full_pool(server, POOL, "t")
            path = scan.take_core(server.process.pid, cores)
            core = scan.read_core(path)
            os.remove(path)
            pems = []
            for i in range(POOL):
                status, body, _ = server.json("POST", "/v2.1/os-keypairs",
                                              body={"keypair": {"name": f"k{i}"}})
                self.assertEqual(status, 201, body)
                pems.append(body["keypair"]["private_key"])
            for pem in pems:  # the scan sees where the pool's keys live
                self.assertIn(scan.public_modulus(pem).to_bytes(256, "little"), core)
            self.assertEqual(scan.find_key_material(core, pems), [])
        finally:
            server.cleanup()
            shutil.rmtree(cores, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
