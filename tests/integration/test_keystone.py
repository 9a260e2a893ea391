"""Keystone authentication end to end: a real Keystone (keystone_server.py), keypaird in
auth_strategy = keystone, and the real `openstack` CLI and openstacksdk as clients. Also the
refusals: garbage, expired and revoked tokens, spoofed identity headers, service tokens,
another user's keypairs without admin, a policy file, Keystone down (503) and back, and the same
Keystone reached over https.
Keystone starts once for the whole module (it is slow to start)."""

import http.client
import http.server
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from keypaird_process import Keypaird, binary_from_argv
from keystone_server import (ADMIN_PASSWORD, TOKEN_LIFETIME, USER_PASSWORDS, Keystone,
                             keystone_available)

BINARY = binary_from_argv(sys.argv)
HERE = os.path.dirname(os.path.abspath(__file__))
UNAUTHORIZED_BODY = (b'{"error": {"code": 401, "title": "Unauthorized", "message": '
                     b'"The request you have made requires authentication."}}')

keystone = None
server = None


def setUpModule():
    global keystone, server
    if not keystone_available():
        raise RuntimeError("Keystone is not installed (scripts/install-deps.sh installs it)")
    keystone = Keystone().start()
    server = Keypaird(BINARY, keystone.keypaird_config() + "[quota]\nkey_pairs = -1\n").start()
    keystone.register_compute(server.port)


def tearDownModule():
    if server:
        server.cleanup()
    if keystone:
        keystone.cleanup()


def public_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    return ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def openstack(env, *args, check=True):
    out = subprocess.run(["openstack", *args], env=env, capture_output=True, text=True,
                         timeout=120)
    if check and out.returncode != 0:
        raise AssertionError(f"openstack {' '.join(args)} failed ({out.returncode}):\n"
                             f"{out.stdout}\n{out.stderr}")
    return out


def alice_env():
    return keystone.cli_env("alice", USER_PASSWORDS["alice"], "demo")


def admin_env():
    return keystone.cli_env("admin", ADMIN_PASSWORD, "admin")


class CliTest(unittest.TestCase):
    def test_normal_user_creates_lists_shows_deletes(self):
        env = alice_env()
        generated = openstack(env, "keypair", "create", "cli-generated").stdout
        self.assertIn("PRIVATE KEY", generated)
        key = public_key()
        with tempfile.NamedTemporaryFile("w", suffix=".pub") as f:
            f.write(key + "\n")
            f.flush()
            imported = json.loads(openstack(env, "keypair", "create", "--public-key", f.name,
                                            "cli-imported", "-f", "json").stdout)
        self.assertEqual(imported["name"], "cli-imported")
        listed = json.loads(openstack(env, "keypair", "list", "-f", "json").stdout)
        self.assertEqual(sorted(k["Name"] for k in listed), ["cli-generated", "cli-imported"])
        shown = json.loads(openstack(env, "keypair", "show", "cli-imported", "-f", "json").stdout)
        self.assertEqual(shown["fingerprint"], imported["fingerprint"])
        self.assertEqual(shown["user_id"], keystone.ids["alice"])
        openstack(env, "keypair", "delete", "cli-generated", "cli-imported")
        self.assertEqual(json.loads(openstack(env, "keypair", "list", "-f", "json").stdout), [])
        # What keypaird stored is owned by alice's Keystone user id.
        status, body, _ = server.json("GET", "/v2.1/os-keypairs", keystone.user_token("alice"))
        self.assertEqual((status, body), (200, {"keypairs": []}))

    def test_admin_acts_for_another_user(self):
        env = admin_env()
        v = ["--os-compute-api-version", "2.10"]
        with tempfile.NamedTemporaryFile("w", suffix=".pub") as f:
            f.write(public_key() + "\n")
            f.flush()
            openstack(env, *v, "keypair", "create", "--user", "bob", "--public-key", f.name,
                      "for-bob")
        listed = json.loads(openstack(env, *v, "keypair", "list", "--user", "bob",
                                      "-f", "json").stdout)
        self.assertEqual([k["Name"] for k in listed], ["for-bob"])
        shown = json.loads(openstack(env, *v, "keypair", "show", "--user", "bob", "for-bob",
                                     "-f", "json").stdout)
        self.assertEqual(shown["user_id"], keystone.ids["bob"])
        # bob sees it as his own; the admin's own list does not have it.
        status, body, _ = server.json("GET", "/v2.1/os-keypairs", keystone.user_token("bob"))
        self.assertEqual([k["keypair"]["name"] for k in body["keypairs"]], ["for-bob"])
        self.assertEqual(json.loads(openstack(env, "keypair", "list", "-f", "json").stdout), [])
        # Debian 12's client (openstacksdk 0.101) drops --user on delete: the request carries no
        # user_id, so keypaird answers, as Nova would, that the admin has no such keypair.
        out = openstack(env, *v, "keypair", "delete", "--user", "bob", "for-bob", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn(f"Keypair for-bob not found for user {keystone.ids['admin_user']}",
                      out.stderr)
        # The same delete with user_id in the query, as the API defines it, works for the admin.
        status, _, _ = server.json("DELETE", "/v2.1/os-keypairs/for-bob?user_id=" +
                                   keystone.ids["bob"], keystone.admin_token())
        self.assertEqual(status, 204)
        status, body, _ = server.json("GET", "/v2.1/os-keypairs", keystone.user_token("bob"))
        self.assertEqual(body, {"keypairs": []})

    def test_sdk_pages_through_25_keys(self):
        # The interpreter the openstack CLI runs on is the one with openstacksdk.
        with open(shutil.which("openstack")) as f:
            python = f.readline()[2:].strip().split()[0]
        out = subprocess.run([python, os.path.join(HERE, "keystone_sdk_paging.py")],
                             env=alice_env(), capture_output=True, text=True, timeout=300)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("paged through 25 keypairs in 3 pages", out.stdout)


class RefusalTest(unittest.TestCase):
    def assert_unauthorized(self, status, headers, body):
        self.assertEqual(status, 401)
        self.assertEqual(body, UNAUTHORIZED_BODY)
        headers = dict((k.lower(), v) for k, v in headers)
        self.assertEqual(headers["www-authenticate"], f'Keystone uri="{keystone.url}"')
        self.assertEqual(headers["content-type"], "application/json")

    def test_missing_and_garbage_tokens(self):
        self.assert_unauthorized(*server.request("GET", "/v2.1/os-keypairs"))
        self.assert_unauthorized(*server.request("GET", "/v2.1/os-keypairs", token="garbage"))
        fernet_like = "gAAAAABk" + "A" * 170
        self.assert_unauthorized(*server.request("POST", "/v2.1/os-keypairs", token=fernet_like,
                                                 body={"keypair": {"name": "x"}}))
        # Version documents need no token, as in Nova.
        self.assertEqual(server.request("GET", "/")[0], 200)
        self.assertNotIn("garbage", server.read_log())

    def test_identity_headers_are_not_trusted(self):
        spoof = {"X-User-Id": keystone.ids["bob"], "X-Roles": "admin", "X-Identity-Status":
                 "Confirmed", "X-Project-Id": keystone.ids["demo_project"]}
        self.assert_unauthorized(*server.request("GET", "/v2.1/os-keypairs", headers=spoof))
        alice = keystone.user_token("alice")
        status, body, _ = server.json("GET", "/v2.1/os-keypairs?user_id=" + keystone.ids["bob"],
                                      alice, headers=spoof)
        self.assertEqual(status, 403)
        self.assertNotIn(alice, server.read_log())

    def test_non_admin_naming_another_user_is_forbidden(self):
        alice, bob = keystone.user_token("alice"), keystone.ids["bob"]
        status, body, _ = server.json("GET", "/v2.1/os-keypairs?user_id=" + bob, alice)
        self.assertEqual((status, body), (403, {"forbidden": {"code": 403, "message":
                         "Policy doesn't allow os_compute_api:os-keypairs:index to be performed."}}))
        status, body, _ = server.json("POST", "/v2.1/os-keypairs", alice, body={"keypair": {
            "name": "not-mine", "public_key": public_key(), "user_id": bob}})
        self.assertEqual(body["forbidden"]["message"],
                         "Policy doesn't allow os_compute_api:os-keypairs:create to be performed.")
        status, _, _ = server.json("GET", "/v2.1/os-keypairs?user_id=" + bob,
                                   keystone.admin_token())
        self.assertEqual(status, 200)

    def test_concurrent_requests_with_one_new_token_validate_once(self):
        token = keystone.user_token("alice")
        # Make keypaird hold a fresh service token, and let uwsgi (which logs a request only
        # after answering it) log that validation before counting.
        warm_up = keystone.validation_count()
        server.json("GET", "/v2.1/os-keypairs", keystone.user_token("bob"))
        self.wait_for_validations(warm_up)
        before = keystone.validation_count()
        results = []
        barrier = threading.Barrier(20)

        def call():
            barrier.wait()
            results.append(server.json("GET", "/v2.1/os-keypairs", token)[0])

        threads = [threading.Thread(target=call) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, [200] * 20)
        self.wait_for_validations(before)
        self.assertEqual(keystone.validation_count() - before, 1)

    def test_refused_tokens_are_cached_as_refused(self):
        # Regression (issue 11, item 9): each request with a bad token cost a Keystone call.
        warm_up = keystone.validation_count()
        server.json("GET", "/v2.1/os-keypairs", keystone.user_token("bob"))
        self.wait_for_validations(warm_up)
        before = keystone.validation_count()
        bad = "gAAAAABk" + "B" * 170
        for _ in range(10):
            self.assert_unauthorized(*server.request("GET", "/v2.1/os-keypairs", token=bad))
        self.wait_for_validations(before)
        self.assertEqual(keystone.validation_count() - before, 1)

    def wait_for_validations(self, count):
        """Until Keystone's log shows more than `count` validations, and a moment longer."""
        deadline = time.time() + 5
        while keystone.validation_count() == count and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)

    def test_revoked_token_is_refused_once_the_cache_entry_ages_out(self):
        short = Keypaird(BINARY, keystone.keypaird_config(token_cache_time=2)).start()
        try:
            token = keystone.user_token("alice")
            self.assertEqual(short.json("GET", "/v2.1/os-keypairs", token)[0], 200)
            keystone.revoke(token)
            # keystonemiddleware's documented behaviour: the cached validation still holds...
            self.assertEqual(short.json("GET", "/v2.1/os-keypairs", token)[0], 200)
            time.sleep(2.5)
            # ...until its entry ages out.
            self.assertEqual(short.json("GET", "/v2.1/os-keypairs", token)[0], 401)
        finally:
            short.cleanup()

    def test_expired_tokens_and_service_tokens(self):
        alice = keystone.user_token("alice")
        self.assertEqual(server.json("GET", "/v2.1/os-keypairs", alice)[0], 200)  # now cached
        time.sleep(TOKEN_LIFETIME + 1.5)
        # Expired: refused although token_cache_time (300 s) has not run out.
        self.assert_unauthorized(*server.request("GET", "/v2.1/os-keypairs", token=alice))
        # A valid service token with the service role allows the expired user token.
        service = keystone.service_token()
        status, _, _ = server.json("GET", "/v2.1/os-keypairs", alice,
                                   headers={"X-Service-Token": service})
        self.assertEqual(status, 200)
        # A valid token without the role does not; an invalid service token refuses even a
        # good user token.
        self.assert_unauthorized(*server.request(
            "GET", "/v2.1/os-keypairs", token=alice,
            headers={"X-Service-Token": keystone.user_token("bob")}))
        self.assert_unauthorized(*server.request(
            "GET", "/v2.1/os-keypairs", token=keystone.user_token("alice"),
            headers={"X-Service-Token": "garbage"}))
        # keypaird's own service token lived TOKEN_LIFETIME s too and has been renewed.
        self.assertGreaterEqual(server.read_log().count("service token obtained"), 2)

    def test_policy_file_changes_rules(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write('# only admins create; members may list anyone\'s keypairs\n'
                    '"os_compute_api:os-keypairs:create": "role:admin"\n'
                    '"os_compute_api:os-keypairs:index": "rule:context_is_admin or '
                    'role:member"\n')
            path = f.name
        policed = Keypaird(BINARY, keystone.keypaird_config() +
                           f"[oslo_policy]\npolicy_file = {path}\n").start()
        try:
            alice = keystone.user_token("alice")
            status, body, _ = policed.json("POST", "/v2.1/os-keypairs", alice, body={
                "keypair": {"name": "k", "public_key": public_key()}})
            self.assertEqual((status, body), (403, {"forbidden": {"code": 403, "message":
                             "Policy doesn't allow os_compute_api:os-keypairs:create to be "
                             "performed."}}))
            status, _, _ = policed.json("POST", "/v2.1/os-keypairs", keystone.admin_token(),
                                        body={"keypair": {"name": "k", "public_key": public_key(),
                                                          "user_id": keystone.ids["bob"]}})
            self.assertEqual(status, 201)
            status, body, _ = policed.json("GET", "/v2.1/os-keypairs?user_id=" +
                                           keystone.ids["bob"], alice)
            self.assertEqual((status, [k["keypair"]["name"] for k in body["keypairs"]]),
                             (200, ["k"]))
        finally:
            policed.cleanup()
            os.unlink(path)

    def test_zz_keystone_down_gives_503_then_recovers(self):
        # Named to run last: it stops and restarts the module's Keystone.
        token = keystone.user_token("alice")  # not yet validated by keypaird
        keystone.stop()
        try:
            status, body, _ = server.json("GET", "/v2.1/os-keypairs", token)
            self.assertEqual((status, body), (503, {"serviceUnavailable": {
                "code": 503, "message": "The Keystone service is temporarily unavailable."}}))
        finally:
            keystone.serve()
        self.assertEqual(server.json("GET", "/v2.1/os-keypairs", token)[0], 200)


class TlsKeystoneTest(unittest.TestCase):
    def test_keystone_behind_https(self):
        """The real Keystone behind a TLS-terminating proxy, trusted through cafile."""
        with tempfile.TemporaryDirectory() as d:
            cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                            "1", "-subj", "/CN=localhost", "-addext",
                            "subjectAltName=DNS:localhost", "-keyout", key, "-out", cert],
                           check=True, capture_output=True)

            class Proxy(http.server.BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"

                def forward(self):
                    length = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(length) if length else None
                    upstream = http.client.HTTPConnection("127.0.0.1", keystone.port, timeout=30)
                    headers = {k: v for k, v in self.headers.items()
                               if k.lower() not in ("host", "connection")}
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                    self.send_response(answer.status)
                    for k, v in answer.getheaders():
                        if k.lower() not in ("content-length", "connection"):
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(data)
                    upstream.close()

                do_GET = do_POST = forward

                def log_message(self, *args):
                    pass

            proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            proxy.socket = context.wrap_socket(proxy.socket, server_side=True)
            threading.Thread(target=proxy.serve_forever, daemon=True).start()
            https_url = f"https://localhost:{proxy.server_address[1]}"
            # No catalog endpoint in region "Elsewhere": validation goes to auth_url as well.
            config = keystone.keypaird_config().replace(
                f"auth_url = http://127.0.0.1:{keystone.port}", f"auth_url = {https_url}"
            ).replace("region_name = RegionOne", "region_name = Elsewhere")
            tls = Keypaird(BINARY, config + f"cafile = {cert}\n").start()
            untrusted = Keypaird(BINARY, config).start()
            try:
                token = keystone.user_token("alice")
                self.assertEqual(tls.json("GET", "/v2.1/os-keypairs", token)[0], 200)
                self.assertIn(f"validating at {https_url}/v3", tls.read_log())
                self.assertEqual(tls.json("GET", "/v2.1/os-keypairs", "garbage")[0], 401)
                # Without the CA the certificate is not trusted: unavailable, not allowed.
                self.assertEqual(untrusted.json("GET", "/v2.1/os-keypairs", token)[0], 503)
            finally:
                tls.cleanup()
                untrusted.cleanup()
                proxy.shutdown()
                proxy.server_close()


class FailingIdentityTest(unittest.TestCase):
    def test_keystone_5xx_gives_503(self):
        class Failing(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST

            def log_message(self, *args):
                pass

        failing = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
        threading.Thread(target=failing.serve_forever, daemon=True).start()
        config = keystone.keypaird_config().replace(
            f"auth_url = http://127.0.0.1:{keystone.port}",
            f"auth_url = http://127.0.0.1:{failing.server_address[1]}")
        broken = Keypaird(BINARY, config).start()
        try:
            status, body, _ = broken.json("GET", "/v2.1/os-keypairs", "some-token")
            self.assertEqual(status, 503)
            self.assertIn("serviceUnavailable", body)
        finally:
            broken.cleanup()
            failing.shutdown()
            failing.server_close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
