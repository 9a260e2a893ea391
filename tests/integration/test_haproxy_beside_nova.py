"""keypaird beside the real nova-api behind one compute endpoint URL: Debian's haproxy with
etc/haproxy/keypaird-beside-nova.cfg (the addresses given in its environment variables), two
keypaird nodes on one SQLite database, Debian's nova-api 26.2.2 (eventlet, its own SQLite
databases), and a real Keystone in front of both (auth_strategy = keystone in nova.conf and
keypaird.conf). The catalog's compute endpoint is haproxy.

Who answered is told apart by the data: keypaird and nova-api keep different databases here,
so a keypair created through haproxy is in keypaird's store and not in nova-api's; a keypair
created in nova-api directly is never listed through haproxy; a flavor created through haproxy
is in nova-api (keypaird has no flavors: /v2.1/flavors is 404 there). And for single raw
requests: nova-api (eventlet) sends a Date header, keypaird does not.
Also: each request of one keep-alive connection is routed on its own, and a keypaird node
drained with its [healthcheck] disable_by_file_path file is taken out by haproxy's health check
and comes back once the file is gone."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "differential"))

from keypaird_process import Keypaird, binary_from_argv, free_port  # noqa: E402
from keystone_server import (ADMIN_PASSWORD, USER_PASSWORDS, Keystone,  # noqa: E402
                             keystone_available)
from nova_api_server import NovaApi, nova_available  # noqa: E402
from raw_http import RawConnection  # noqa: E402

BINARY = binary_from_argv(sys.argv)
HAPROXY = "/usr/sbin/haproxy"
CONFIG = os.path.join(HERE, "..", "..", "etc", "haproxy", "keypaird-beside-nova.cfg")

keystone = nova = haproxy = None
nodes = []


class Haproxy:
    """haproxy in the foreground (-db) on a free port, retried when another process took it."""

    def __init__(self, env):
        self.dir = tempfile.mkdtemp(prefix="haproxy-it-")
        self.log_path = os.path.join(self.dir, "haproxy.log")
        self.env = env
        self.process = None
        self.port = None
        self.config = CONFIG
        if os.getuid() != 0:
            # chroot, user and group need root: a copy without them.
            self.config = os.path.join(self.dir, "haproxy.cfg")
            with open(CONFIG) as f, open(self.config, "w") as out:
                for line in f:
                    if line.split()[:1] not in (["chroot"], ["user"], ["group"]):
                        out.write(line)

    def start(self):
        for _ in range(10):
            self.port = free_port()
            env = dict(os.environ, **self.env, COMPUTE_BIND=f"127.0.0.1:{self.port}")
            self.log = open(self.log_path, "ab")
            self.process = subprocess.Popen([HAPROXY, "-f", self.config, "-db"], env=env,
                                            stdout=self.log, stderr=self.log,
                                            start_new_session=True)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    status, _, _ = send_raw(self.port, b"GET / HTTP/1.1\r\nHost: x\r\n"
                                            b"Connection: close\r\n\r\n")
                    if status == 200:
                        return self
                except OSError:
                    pass
                time.sleep(0.1)
            self.stop()
            if "cannot bind" not in self.read_log().lower():
                raise RuntimeError("haproxy did not start:\n" + self.read_log())
        raise RuntimeError("haproxy found no free port:\n" + self.read_log())

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process:
            self.log.close()
        self.process = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def setUpModule():
    global keystone, nova, haproxy
    if not os.path.exists(HAPROXY):
        raise RuntimeError("haproxy is not installed (scripts/install-deps.sh installs it)")
    if not keystone_available() or not nova_available():
        raise RuntimeError("Keystone or nova-api is not installed (scripts/install-deps.sh)")
    try:
        # Long-lived tokens: the test's own tokens outlive a slow nova-api start.
        keystone = Keystone(token_lifetime=3600).start()
        nova = NovaApi(quota=100, auth_strategy="keystone",
                       extra_config=keystone.nova_config()).start()
        shared = tempfile.mkdtemp(prefix="keypaird-shared-")
        nodes.append(shared)
        for i in (1, 2):
            drain = f"[healthcheck]\ndisable_by_file_path = {shared}/drain-{i}\n"
            nodes.append(Keypaird(BINARY, keystone.keypaird_config() + drain,
                                  database_url=f"sqlite:///{shared}/keypaird.sqlite").start())
        haproxy = Haproxy({"NOVA_API": f"127.0.0.1:{nova.port}",
                           "KEYPAIRD_1": f"127.0.0.1:{nodes[1].port}",
                           "KEYPAIRD_2": f"127.0.0.1:{nodes[2].port}"}).start()
        keystone.register_compute(haproxy.port)
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    if haproxy:
        haproxy.cleanup()
    for node in nodes[1:]:
        node.cleanup()
    if nodes:
        shutil.rmtree(nodes[0], ignore_errors=True)
    if nova:
        nova.cleanup()
    if keystone:
        keystone.cleanup()


def send_raw(port, data, timeout=60):
    """(status, headers, body) of one request sent as these bytes (raw: the path goes out
    exactly as written, runs of slashes and escapes included)."""
    conn = RawConnection(port, timeout=timeout)
    try:
        conn.send(data)
        answer = conn.read_response(timeout=timeout)
        if answer is None:
            raise ConnectionError("closed without an answer")
        return answer
    finally:
        conn.close()


def public_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    return ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def openstack(env, *args):
    out = subprocess.run(["openstack", *args], env=env, capture_output=True, text=True,
                         timeout=180)
    if out.returncode != 0:
        raise AssertionError(f"openstack {' '.join(args)} failed ({out.returncode}):\n"
                             f"{out.stdout}\n{out.stderr}\nhaproxy:\n{haproxy.read_log()}")
    return out.stdout


def alice_env():
    return keystone.cli_env("alice", USER_PASSWORDS["alice"], "demo")


def call(port, method, path, token, body=None):
    """(status, parsed JSON body or raw bytes, headers) of one request to 127.0.0.1:port."""
    data = json.dumps(body).encode() if body is not None else b""
    head = (f"{method} {path} HTTP/1.1\r\nHost: compute.test\r\nX-Auth-Token: {token}\r\n"
            f"Accept: application/json\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n").encode()
    status, headers, raw = send_raw(port, head + data)
    try:
        return status, json.loads(raw), headers
    except ValueError:
        return status, raw, headers


def answered_by_nova(headers):
    """nova-api (eventlet) sends a Date header; keypaird does not (and haproxy adds none)."""
    return "date" in headers


def names(body):
    return sorted(k["keypair"]["name"] for k in body["keypairs"])


class CliTest(unittest.TestCase):
    def test_keypairs_by_keypaird_flavors_by_nova(self):
        env = alice_env()
        token = keystone.user_token("alice")
        with tempfile.NamedTemporaryFile("w", suffix=".pub") as f:
            f.write(public_key() + "\n")
            f.flush()
            created = json.loads(openstack(env, "keypair", "create", "--public-key", f.name,
                                           "through-haproxy", "-f", "json"))
        generated = openstack(env, "keypair", "create", "generated-through-haproxy")
        self.assertIn("PRIVATE KEY", generated)
        listed = json.loads(openstack(env, "keypair", "list", "-f", "json"))
        self.assertEqual(sorted(k["Name"] for k in listed),
                         ["generated-through-haproxy", "through-haproxy"])
        shown = json.loads(openstack(env, "keypair", "show", "through-haproxy", "-f", "json"))
        self.assertEqual(shown["fingerprint"], created["fingerprint"])
        self.assertEqual(shown["user_id"], keystone.ids["alice"])
        # Stored by keypaird (both nodes see the one database), unknown to nova-api.
        for node in nodes[1:]:
            status, body, _ = call(node.port, "GET", "/v2.1/os-keypairs", token)
            self.assertEqual((status, names(body)),
                             (200, ["generated-through-haproxy", "through-haproxy"]))
        status, body, _ = call(nova.port, "GET", "/v2.1/os-keypairs", token)
        self.assertEqual((status, body), (200, {"keypairs": []}))
        openstack(env, "keypair", "delete", "through-haproxy", "generated-through-haproxy")
        self.assertEqual(json.loads(openstack(env, "keypair", "list", "-f", "json")), [])
        self.assertEqual(call(nodes[1].port, "GET", "/v2.1/os-keypairs", token)[:2],
                         (200, {"keypairs": []}))

        # Flavors: created by the admin and listed by alice through haproxy, answered by
        # nova-api (keypaird has no flavors).
        admin = keystone.cli_env("admin", ADMIN_PASSWORD, "admin")
        openstack(admin, "flavor", "create", "--ram", "64", "--disk", "1", "--vcpus", "1",
                  "haproxy-tiny")
        flavors = json.loads(openstack(env, "flavor", "list", "-f", "json"))
        self.assertIn("haproxy-tiny", [f["Name"] for f in flavors])
        self.assertEqual(call(nodes[1].port, "GET", "/v2.1/flavors", token)[0], 404)


class RoutingTest(unittest.TestCase):
    """Raw HTTP through haproxy, path by path."""

    @classmethod
    def setUpClass(cls):
        cls.token = keystone.user_token("alice")
        cls.project = keystone.ids["demo_project"]
        key = {"keypair": {"name": "in-keypaird", "public_key": public_key()}}
        status, _, _ = call(nodes[1].port, "POST", "/v2.1/os-keypairs", cls.token, key)
        assert status in (200, 201), status
        key = {"keypair": {"name": "in-nova", "public_key": public_key()}}
        status, _, _ = call(nova.port, "POST", "/v2.1/os-keypairs", cls.token, key)
        assert status in (200, 201), status

    @classmethod
    def tearDownClass(cls):
        call(nodes[1].port, "DELETE", "/v2.1/os-keypairs/in-keypaird", cls.token)
        call(nova.port, "DELETE", "/v2.1/os-keypairs/in-nova", cls.token)

    def through(self, method, path):
        return call(haproxy.port, method, path, self.token)

    def test_keypair_paths_go_to_keypaird(self):
        p = self.project
        # "/v2.1/os-keypairs%0A": Nova's routes end in Python's "$", which also matches before
        # a final newline, so nova-api lists keypairs there; the ACL's PCRE "$" does the same.
        lists = ["/v2.1/os-keypairs", "//v2.1//os-keypairs", "///v2.1/os-keypairs",
                 f"/v2.1/{p}/os-keypairs", f"/v2.1//{p}//os-keypairs", f"/v2/{p}/os-keypairs",
                 "/v2/os-keypairs", "/v2.1/os-keypairs?limit=5", "/v2.1/os%2Dkeypairs",
                 "/v2.1/os-keypairs%0A"]
        for path in lists:
            with self.subTest(path=path):
                status, body, headers = self.through("GET", path)
                self.assertEqual(status, 200, body)
                self.assertEqual(names(body), ["in-keypaird"])
                self.assertFalse(answered_by_nova(headers), headers)
        shows = ["/v2.1/os-keypairs/in-keypaird", f"/v2.1/{p}/os-keypairs/in-keypaird",
                 "//v2.1//os-keypairs//in-keypaird", f"/v2/{p}/os-keypairs/in-keypaird",
                 "/v2/os-keypairs/in-keypaird"]
        for path in shows:
            with self.subTest(path=path):
                status, body, headers = self.through("GET", path)
                self.assertEqual(status, 200, body)
                self.assertEqual(body["keypair"]["name"], "in-keypaird")
                self.assertFalse(answered_by_nova(headers), headers)
            with self.subTest(path=path.replace("in-keypaird", "in-nova")):
                status, _, headers = self.through("GET", path.replace("in-keypaird", "in-nova"))
                self.assertEqual(status, 404)
                self.assertFalse(answered_by_nova(headers), headers)
        # Without a token: keypaird's 401 (the same body as nova-api's keystonemiddleware).
        status, headers, _ = send_raw(haproxy.port, b"GET /v2.1/os-keypairs HTTP/1.1\r\n"
                                      b"Host: compute.test\r\nConnection: close\r\n\r\n")
        self.assertEqual(status, 401)
        self.assertFalse(answered_by_nova(headers), headers)

    def test_other_paths_go_to_nova(self):
        # keypaird answers 404 for these; nova-api knows them.
        for path in ["/v2.1/flavors", "/v2.1/flavors/detail", f"/v2.1/{self.project}/flavors",
                     "//v2.1//flavors", "/v2/flavors"]:
            with self.subTest(path=path):
                self.assertEqual(call(nodes[1].port, "GET", path, self.token)[0], 404)
                status, body, headers = self.through("GET", path)
                self.assertEqual(status, 200, body)
                self.assertIn("flavors", body)
                self.assertTrue(answered_by_nova(headers), headers)
        # Version documents and servers: nova-api's answer, as nova-api gives it directly.
        for path in ["/", "/v2.1/", "/v2.1", "/v2.1/servers"]:
            with self.subTest(path=path):
                status, body, headers = self.through("GET", path)
                self.assertEqual((status, body), call(nova.port, "GET", path, self.token)[:2])
                self.assertTrue(answered_by_nova(headers), headers)

    def test_each_request_on_one_connection_is_routed(self):
        conn = RawConnection(haproxy.port, timeout=60)
        try:
            answers = []
            for path in ["/v2.1/os-keypairs", "/v2.1/flavors", "/v2.1/os-keypairs/in-keypaird",
                         "/v2.1/"]:
                conn.send(f"GET {path} HTTP/1.1\r\nHost: compute.test\r\n"
                          f"X-Auth-Token: {self.token}\r\n\r\n".encode())
                status, headers, _ = conn.read_response(timeout=60)
                answers.append((path, status, answered_by_nova(headers)))
        finally:
            conn.close()
        self.assertEqual(answers, [("/v2.1/os-keypairs", 200, False),
                                   ("/v2.1/flavors", 200, True),
                                   ("/v2.1/os-keypairs/in-keypaird", 200, False),
                                   ("/v2.1/", 200, True)])

    def test_near_misses_go_to_nova(self):
        # Not keypair paths: nova-api answers them (as keypaird would: 404 or 300 choices).
        # Nova's routes take no ".json" suffix: "/v2.1/os-keypairs.json" is 404 in nova-api.
        p = self.project
        for path in ["/v2.1/os-keypairsx", "/v2.1/servers/os-keypairs", "/v3/os-keypairs",
                     "/v2.1/os-keypairs.json", f"/v2.1/{p}x/os-keypairs", "/v2.1/OS-KEYPAIRS",
                     "/os-keypairs", "/v2.1/os-keypairs%0A%0A"]:
            with self.subTest(path=path):
                status, body, headers = self.through("GET", path)
                self.assertEqual((status, body), call(nova.port, "GET", path, self.token)[:2])
                self.assertTrue(answered_by_nova(headers), headers)


def wait_for(what, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return True
        time.sleep(0.2)
    return False


def keypair_requests(node):
    """How many keypair list requests this node's access log has."""
    return node.read_log().count('"GET /v2.1/os-keypairs" status: 200')


class HealthTest(unittest.TestCase):
    def test_a_drained_node_is_taken_out_and_comes_back(self):
        token = keystone.user_token("alice")
        drain = os.path.join(nodes[0], "drain-2")
        seen = len(haproxy.read_log())
        with open(drain, "w"):
            pass
        try:
            # keypaird2's /healthcheck answers 503 DISABLED BY FILE: out after 3 checks.
            self.assertTrue(wait_for(lambda: "keypaird/keypaird2 is DOWN"
                                     in haproxy.read_log()[seen:]), haproxy.read_log())
            before = [keypair_requests(n) for n in nodes[1:]]
            for _ in range(6):
                self.assertEqual(call(haproxy.port, "GET", "/v2.1/os-keypairs", token)[0], 200)
            self.assertTrue(wait_for(lambda: keypair_requests(nodes[1]) >= before[0] + 6, 30))
            self.assertEqual(keypair_requests(nodes[2]), before[1])
        finally:
            seen = len(haproxy.read_log())
            os.unlink(drain)
        self.assertTrue(wait_for(lambda: "keypaird/keypaird2 is UP"
                                 in haproxy.read_log()[seen:]), haproxy.read_log())
        before = keypair_requests(nodes[2])
        for _ in range(6):
            self.assertEqual(call(haproxy.port, "GET", "/v2.1/os-keypairs", token)[0], 200)
        self.assertTrue(wait_for(lambda: keypair_requests(nodes[2]) > before, 30))


if __name__ == "__main__":
    unittest.main(verbosity=2)
