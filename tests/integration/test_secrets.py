"""Secrets: a full workload at log_level = debug (key generation included) leaves no private key
material and no token in the log or in the store; generated private keys are gone from the
process's memory once their answer is written; the store file is created with mode 0600."""

import os
import re
import stat
import sys
import time
import unittest

from keypaird_process import Keypaird, binary_from_argv

BINARY = binary_from_argv(sys.argv)
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"
# noauth2 tokens are "user:project": the access log names the user (as Nova's does), so what must
# never appear is the token itself.
TOKENS = ["s3cr3t-user:s3cr3t-proj", "admin:admin", "alice:a11ce000", "not a valid:token at all"]


def private_key_fragments(private_key):
    """Pieces of a returned private key that cannot occur anywhere by chance."""
    if "BEGIN" in private_key:  # PEM: its 64-column base64 lines
        lines = [l for l in private_key.splitlines() if len(l) == 64]
        return lines[1:-1]
    return [private_key[i:i + 48] for i in range(96, len(private_key) - 48, 512)]  # PKCS#12


def sanitized_build(binary):
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


def process_memory(pid):
    """The readable memory of a process (it is our child, so we may read it)."""
    chunks = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            name = fields[5] if len(fields) > 5 else ""
            if "r" not in fields[1] or name in ("[vvar]", "[vsyscall]") or end - start > 1 << 30:
                continue
            if name.startswith("/") and "w" not in fields[1]:
                continue  # code and read-only data of the binary and libraries
            try:
                mem.seek(start)
                chunks.append(mem.read(end - start))
            except (OSError, ValueError, OverflowError):
                pass
    return b"".join(chunks)


class SecretsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Keypaird(BINARY, "[DEFAULT]\nlog_level = debug\n").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def generate(self, token, name, version="2.10", kind=None):
        keypair = {"name": name}
        if kind:
            keypair["type"] = kind
        status, body, _ = self.server.json("POST", "/v2.1/os-keypairs", token, version,
                                           {"keypair": keypair})
        self.assertIn(status, (200, 201), body)
        return body["keypair"]["private_key"]

    def test_a_full_workload_leaves_no_secret_in_the_log_or_the_store(self):
        s = self.server
        token = TOKENS[0]
        secrets = [self.generate(token, "gen-ssh"), self.generate(token, "gen-x509", kind="x509"),
                   self.generate(token, "gen-old", version="2.1")]
        s.json("POST", "/v2.1/os-keypairs", token, "2.10",
               {"keypair": {"name": "imported", "public_key": ED25519}})
        s.json("POST", "/v2.1/os-keypairs", token, "2.10", {"keypair": {"name": "gen-ssh"}})  # 409
        s.json("GET", "/v2.1/os-keypairs", token)
        s.json("GET", "/v2.1/os-keypairs/gen-ssh", token)
        s.json("GET", "/v2.1/os-keypairs?user_id=s3cr3t-user", "admin:admin")
        s.json("DELETE", "/v2.1/os-keypairs/imported", token)
        s.request("GET", "/v2.1/os-keypairs", TOKENS[3], "2.10")
        s.request("GET", "/v2.1/os-keypairs", None, "2.10")
        s.request("POST", "/v2.1/os-keypairs", token, "2.10", raw_body=b"x" * 200000)
        s.request("GET", "/v2.1/os-keypairs", token, "9.9")
        time.sleep(0.3)
        log = s.read_log()
        self.assertIn("status: 201", log)  # the access log ran at debug
        for word in ("PRIVATE KEY", "X-Auth-Token", "private_key"):
            self.assertNotIn(word, log)
        for t in TOKENS:
            self.assertNotIn(t, log)
        stored = b""
        for suffix in ("", "-wal"):
            if os.path.exists(s.db_path + suffix):
                with open(s.db_path + suffix, "rb") as f:
                    stored += f.read()
        for secret in secrets:
            for fragment in private_key_fragments(secret):
                self.assertNotIn(fragment, log)
                self.assertNotIn(fragment.encode(), stored)
        self.assertEqual(stat.S_IMODE(os.stat(s.db_path).st_mode), 0o600)

    def test_generated_private_keys_are_wiped_from_memory_after_the_answer(self):
        if sanitized_build(BINARY):
            self.skipTest("AddressSanitizer's reserved shadow memory is too large to scan")
        keys = [self.generate("wipe:proj", f"wipe-{i}") for i in range(3)]
        keys.append(self.generate("wipe:proj", "wipe-x509", kind="x509"))
        time.sleep(0.3)  # the server wipes the body once written
        try:
            memory = process_memory(self.server.process.pid)
        except PermissionError:
            self.skipTest("this system does not let us read the child's memory")
        self.assertGreater(len(memory), 1 << 20)
        public = self.server.json("GET", "/v2.1/os-keypairs/wipe-0", "wipe:proj")[1]
        self.assertTrue(public["keypair"]["public_key"].split()[1][:40].encode()
                        in process_memory(self.server.process.pid))  # the scan sees the heap
        for key in keys:
            for fragment in private_key_fragments(key):
                self.assertFalse(fragment.encode() in memory,
                                 f"a piece of a private key is still in memory: {fragment}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
