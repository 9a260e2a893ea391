"""Integration tests of the keypairs API over HTTP against the real binary and a fresh SQLite
file: versions, microversions, every versioned behaviour, validation, quota, policy, errors."""

import base64
import hashlib
import re
import subprocess
import sys
import tempfile
import threading
import unittest

from keypaird_process import Keypaird, binary_from_argv

BINARY = binary_from_argv(sys.argv)
ED25519 = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"
           " me@host")
ED25519_FP = "06:43:93:38:70:b9:22:d6:34:17:a1:c3:97:d0:36:b6"
REQUEST_ID = re.compile(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def md5_fingerprint(public_key):
    blob = base64.b64decode(public_key.split(" ")[1])
    digest = hashlib.md5(blob).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


class ApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Keypaird(BINARY, "[quota]\nkey_pairs = 3\n[api]\nmax_limit = 50\n").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def create(self, name, token="alice:a11ce000", version="2.10", **fields):
        body = {"keypair": dict(name=name, **fields)}
        return self.server.json("POST", "/v2.1/os-keypairs", token, version, body)

    def delete_all(self, token):
        _, body, _ = self.server.json("GET", "/v2.1/os-keypairs", token, "2.10")
        for item in body["keypairs"]:
            self.server.json("DELETE", "/v2.1/os-keypairs/" + item["keypair"]["name"], token)

    def test_version_documents(self):
        status, body, headers = self.server.json("GET", "/", token=None, version=None)
        self.assertEqual(status, 200)
        self.assertEqual(body["versions"][1]["version"], "2.104")  # the default maximum
        self.assertNotIn("x-openstack-request-id", headers)
        status, body, headers = self.server.json("GET", "/v2.1/", token=None, version="2.35")
        self.assertEqual(status, 200)
        self.assertEqual(body["version"]["id"], "v2.1")
        self.assertEqual(headers["openstack-api-version"], "compute 2.35")
        self.assertRegex(headers["x-openstack-request-id"], REQUEST_ID)

    def test_microversion_negotiation_and_headers(self):
        status, _, headers = self.server.json("GET", "/v2.1/os-keypairs", version="latest")
        self.assertEqual(status, 200)
        self.assertEqual(headers["openstack-api-version"], "compute 2.104")
        self.assertEqual(headers["x-openstack-nova-api-version"], "2.104")
        status, body, _ = self.server.json("GET", "/v2.1/os-keypairs", version="2.105")
        self.assertEqual(status, 406)
        self.assertEqual(body["computeFault"]["message"],
                         "Version 2.105 is not supported by the API. Minimum is 2.1 and maximum "
                         "is 2.104.")
        status, body, headers = self.server.json("GET", "/v2.1/os-keypairs", version="2.01")
        self.assertEqual(status, 400)
        self.assertNotIn("openstack-api-version", headers)
        status, _, headers = self.server.json(
            "GET", "/v2.1/os-keypairs", version=None,
            headers={"X-OpenStack-Nova-API-Version": "2.35"})
        self.assertEqual(headers["x-openstack-nova-api-version"], "2.35")

    def test_import_show_list_delete_across_versions(self):
        token = "bob:b0b"
        status, body, _ = self.create("old", token, "2.1", public_key=ED25519)
        self.assertEqual(status, 200)
        self.assertNotIn("type", body["keypair"])
        self.assertEqual(body["keypair"]["fingerprint"], ED25519_FP)
        status, body, _ = self.create("new", token, "2.2", public_key=ED25519)
        self.assertEqual(status, 201)
        self.assertEqual(body["keypair"]["type"], "ssh")
        status, body, _ = self.server.json("GET", "/v2.1/os-keypairs/new", token, "2.2")
        self.assertEqual(status, 200)
        shown = body["keypair"]
        self.assertEqual(shown["user_id"], "bob")
        self.assertIs(shown["deleted"], False)
        self.assertIsNone(shown["deleted_at"])
        self.assertIsInstance(shown["id"], int)
        self.assertRegex(shown["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
        status, body, _ = self.server.json("GET", "/v2.1/os-keypairs", token, "2.1")
        self.assertEqual([k["keypair"]["name"] for k in body["keypairs"]], ["new", "old"])
        self.assertNotIn("type", body["keypairs"][0]["keypair"])
        status, body, _ = self.server.json("DELETE", "/v2.1/os-keypairs/old", token, "2.1")
        self.assertEqual(status, 202)
        status, body, _ = self.server.json("DELETE", "/v2.1/os-keypairs/new", token, "2.2")
        self.assertEqual(status, 204)
        self.assertIsNone(body)
        status, body, _ = self.server.json("GET", "/v2.1/os-keypairs/new", token, "2.2")
        self.assertEqual(status, 404)
        self.assertEqual(body["itemNotFound"]["message"], "Keypair new not found for user bob")

    def test_generated_ssh_key_is_returned_once(self):
        token = "gen:g"
        status, body, _ = self.create("g1", token, "2.10")
        self.assertEqual(status, 201)
        key = body["keypair"]
        self.assertTrue(key["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----\n"))
        self.assertTrue(key["public_key"].endswith(" Generated-by-Nova"))
        self.assertEqual(key["fingerprint"], md5_fingerprint(key["public_key"]))
        # The private key really is the public key's partner.
        with tempfile.NamedTemporaryFile("w") as f:
            f.write(key["private_key"])
            f.flush()
            modulus = subprocess.run(["openssl", "rsa", "-in", f.name, "-noout", "-modulus"],
                                     capture_output=True, text=True, check=True).stdout
        blob = base64.b64decode(key["public_key"].split(" ")[1])
        self.assertIn(blob[-256:].hex().upper(), modulus)
        status, body, _ = self.server.json("GET", "/v2.1/os-keypairs/g1", token, "2.10")
        self.assertNotIn("private_key", body["keypair"])
        self.delete_all(token)

    def test_generated_x509_certificate(self):
        token = "certuser:c"
        status, body, _ = self.create("x1", token, "2.2", type="x509")
        self.assertEqual(status, 201)
        key = body["keypair"]
        self.assertTrue(key["public_key"].startswith("-----BEGIN CERTIFICATE-----"))
        with tempfile.NamedTemporaryFile("w") as f:
            f.write(key["public_key"])
            f.flush()
            subject = subprocess.run(["openssl", "x509", "-in", f.name, "-noout", "-subject"],
                                     capture_output=True, text=True, check=True).stdout
        self.assertIn("CN = certuser", subject)
        base64.b64decode(key["private_key"], validate=True)  # PKCS#12, one base64 line
        self.assertEqual(len(key["fingerprint"]), 59)
        self.delete_all(token)

    def test_generation_is_gone_at_2_92_and_names_widen(self):
        token = "v292:v"
        status, body, _ = self.create("g", token, "2.92")
        self.assertEqual(status, 400)
        self.assertIn("'public_key' is a required property", body["badRequest"]["message"])
        status, _, _ = self.create("me@host.example", token, "2.91", public_key=ED25519)
        self.assertEqual(status, 400)
        status, body, _ = self.create("me@host.example", token, "2.92", public_key=ED25519)
        self.assertEqual(status, 201)
        self.assertNotIn("private_key", body["keypair"])
        # Reachable at every version through the path.
        status, _, _ = self.server.json("GET", "/v2.1/os-keypairs/me@host.example", token, "2.1")
        self.assertEqual(status, 200)
        self.delete_all(token)

    def test_quota_is_per_user_and_checked_before_the_key(self):
        token = "quota:q"
        for i in range(3):
            self.assertEqual(self.create(f"q{i}", token, public_key=ED25519)[0], 201)
        for body in ({"public_key": ED25519}, {"public_key": "ssh-rsa garbage"}, {}):
            status, answer, _ = self.create("q9", token, **body)
            self.assertEqual(status, 403)
            self.assertEqual(answer["forbidden"]["message"], "Quota exceeded, too many key pairs.")
        # A duplicate name at quota is a quota error too (Nova checks quota first).
        self.assertEqual(self.create("q0", token, public_key=ED25519)[0], 403)
        self.assertEqual(self.create("q0", "other:q", public_key=ED25519)[0], 201)
        self.delete_all(token)
        self.delete_all("other:q")

    def test_duplicates_and_exact_names(self):
        token = "dups:d"
        self.assertEqual(self.create("Dup", token, public_key=ED25519)[0], 201)
        status, body, _ = self.create("Dup", token, public_key=ED25519)
        self.assertEqual(status, 409)
        self.assertEqual(body["conflictingRequest"]["message"], "Key pair 'Dup' already exists.")
        self.assertEqual(self.create("dup", token, public_key=ED25519)[0], 201)
        status, _, _ = self.server.json("GET", "/v2.1/os-keypairs/DUP", token)
        self.assertEqual(status, 404)
        self.delete_all(token)

    def test_policy_other_users(self):
        self.assertEqual(self.create("mine", "carol:c", public_key=ED25519)[0], 201)
        status, body, _ = self.server.json("GET", "/v2.1/os-keypairs?user_id=carol", "eve:e")
        self.assertEqual(status, 403)
        self.assertEqual(body["forbidden"]["message"],
                         "Policy doesn't allow os_compute_api:os-keypairs:index to be performed.")
        status, body, _ = self.create("x", "eve:e", user_id="carol", public_key=ED25519)
        self.assertEqual(status, 403)
        # Below 2.10 the parameter is ignored.
        status, body, _ = self.server.json("GET", "/v2.1/os-keypairs?user_id=carol", "eve:e", "2.9")
        self.assertEqual((status, body), (200, {"keypairs": []}))
        status, body, _ = self.server.json("GET", "/v2.1/os-keypairs/mine?user_id=carol",
                                           "admin:admin")
        self.assertEqual(status, 200)
        self.assertEqual(self.create("for-carol", "admin:admin", user_id="carol",
                                     public_key=ED25519)[0], 201)
        status, _, _ = self.server.json("DELETE", "/v2.1/os-keypairs/for-carol?user_id=carol",
                                        "admin:admin")
        self.assertEqual(status, 204)
        self.delete_all("carol:c")

    def test_pagination(self):
        token = "pager:p"
        admin = "admin:admin"
        for name in ["p-c", "p-a", "p-E"]:  # the quota here is 3
            self.create(name, admin, user_id="pager", public_key=ED25519)
        status, body, _ = self.server.json("GET", "/v2.1/os-keypairs?limit=2", token, "2.35")
        self.assertEqual([k["keypair"]["name"] for k in body["keypairs"]], ["p-E", "p-a"])
        # The context's project "p" appears in the URL ("http"), so Nova's link names it.
        self.assertEqual(body["keypairs_links"][0]["href"],
                         f"http://127.0.0.1:{self.server.port}/v2.1/p/os-keypairs?limit=2&marker=p-a")
        status, body, _ = self.server.json("GET", "/v2.1/os-keypairs?limit=2&marker=p-a", token,
                                           "2.35")
        self.assertEqual([k["keypair"]["name"] for k in body["keypairs"]], ["p-c"])
        self.assertNotIn("keypairs_links", body)
        status, body, _ = self.server.json("GET", "/v2.1/os-keypairs?marker=nope", token, "2.35")
        self.assertEqual((status, body["badRequest"]["message"]),
                         (400, "Marker nope could not be found."))
        status, body, _ = self.server.json("GET", "/v2.1/os-keypairs?limit=2", token, "2.34")
        self.assertEqual(len(body["keypairs"]), 3)  # no pagination before 2.35
        status, body, _ = self.server.json("GET", "/v2.1/os-keypairs?foo=1", token, "2.75")
        self.assertEqual(status, 400)
        self.assertEqual(self.server.json("GET", "/v2.1/os-keypairs?foo=1", token, "2.74")[0], 200)
        self.delete_all(token)

    def test_bad_input_gets_clear_errors(self):
        cases = [
            (b"not json", {"Content-Type": "application/json"}, 400, "Malformed request body"),
            (b'{"keypair": {"name": "a"}}', {"Content-Type": "application/xml"}, 415,
             "Unsupported Content-Type"),
            (b'{"keypair": {"name": "\xff"}}', {"Content-Type": "application/json"}, 400, None),
            (b'{"keypair": {"name": "a/b", "public_key": "x"}}', {}, 400, None),
        ]
        for raw, headers, status, message in cases:
            got, _, data = self.server.request("POST", "/v2.1/os-keypairs", "alice:a", "2.10",
                                               raw_body=raw, headers=headers)
            self.assertEqual(got, status, raw)
            self.assertIn(b'"code":' + str(status).encode(), data.replace(b" ", b""))
            if message:
                self.assertIn(message.encode(), data)
        big = b'{"keypair": {"name": "big", "public_key": "' + b"A" * 200000 + b'"}}'
        status, _, data = self.server.request("POST", "/v2.1/os-keypairs", "alice:a", "2.10",
                                              raw_body=big,
                                              headers={"Content-Type": "application/json"})
        self.assertEqual(status, 413)
        self.assertIn(b"max_request_body_size (114688)", data)
        # Nothing stored was lost and the server still answers.
        self.assertEqual(self.server.json("GET", "/v2.1/os-keypairs", "alice:a")[0], 200)

    def test_routes_and_methods(self):
        self.assertEqual(self.server.request("PUT", "/v2.1/os-keypairs/x", "a:a")[0], 404)
        self.assertEqual(self.server.request("HEAD", "/v2.1/os-keypairs", "a:a")[0], 404)
        status, headers, _ = self.server.request("OPTIONS", "/v2.1/os-keypairs", "a:a")
        self.assertEqual(status, 200)
        # Without a token, noauth2 issues one, whatever the method.
        self.assertEqual(self.server.request("OPTIONS", "/v2.1/os-keypairs")[0], 204)
        status, _, _ = self.server.request("GET", "/v3/", None)
        self.assertEqual(status, 300)
        status, headers, _ = self.server.request("GET", "/v2.1/os-keypairs")
        self.assertEqual(status, 204)
        self.assertEqual(dict(headers)["X-Auth-Token"], "admin:admin")
        status, body, _ = self.server.json("GET", "/v2.1/f00/os-keypairs", "a:a00")
        self.assertEqual(status, 400)
        self.assertIn("Malformed request URL", body["badRequest"]["message"])

    def test_reads_are_served_while_keys_are_generated(self):
        # Several generations in flight at once; reads keep being answered meanwhile.
        done = []
        def generate(i):
            status, _, _ = self.create(f"bg{i}", f"busy{i}:b", "2.2", type="x509")
            done.append(status)
        threads = [threading.Thread(target=generate, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        reads = [self.server.json("GET", "/v2.1/os-keypairs", "reader:r")[0] for _ in range(5)]
        for t in threads:
            t.join()
        self.assertEqual(reads, [200] * 5)
        self.assertEqual(done, [201] * 6)


if __name__ == "__main__":
    unittest.main(verbosity=2)
