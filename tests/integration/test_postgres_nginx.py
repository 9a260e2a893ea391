"""The README's deployment, for real: etc/nginx-keypaird.conf (ports and paths rewritten to free
ones) load-balancing two keypaird nodes on one throwaway PostgreSQL. Requests through nginx
reach both nodes, links name nginx's address, and when one node stops the other serves alone."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from collections import Counter
from pathlib import Path

from keypaird_process import Keypaird, binary_from_argv, free_port
from postgres_server import PostgresServer

BINARY = binary_from_argv(sys.argv)
EXAMPLE = Path(__file__).resolve().parents[2] / "etc" / "nginx-keypaird.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"


class Nginx:
    def __init__(self, node_ports):
        self.dir = tempfile.mkdtemp(prefix="keypaird-nginx-")
        self.port = free_port()
        text = EXAMPLE.read_text()
        replacements = {"127.0.0.1:8774": f"127.0.0.1:{node_ports[0]}",
                        "127.0.0.1:8775": f"127.0.0.1:{node_ports[1]}",
                        "127.0.0.1:8770": f"127.0.0.1:{self.port}",
                        "/var/log/nginx/": self.dir + "/",
                        "/run/nginx-keypaird.pid": self.dir + "/nginx.pid"}
        for old, new in replacements.items():
            if old not in text:
                raise AssertionError(f"{EXAMPLE.name} no longer contains {old}")
            text = text.replace(old, new)
        self.config = os.path.join(self.dir, "nginx.conf")
        Path(self.config).write_text(text)
        self.access_log = os.path.join(self.dir, "keypaird-access.log")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [NGINX, "-p", self.dir, "-e", os.path.join(self.dir, "startup-error.log"),
             "-c", self.config, "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        probe = Keypaird.__new__(Keypaird)  # only its HTTP helpers, pointed at nginx
        probe.port = self.port
        self.client = probe
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("nginx exited: " + self.process.stderr.read().decode())
            try:
                if probe.request("GET", "/")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("nginx did not answer within 10 s")

    def upstreams(self):
        """How many attempts each node got ("a, b" when nginx tried a, then b)."""
        with open(self.access_log) as f:
            tried = re.findall(r"upstream=(.*) \S+ \S+$", f.read(), re.MULTILINE)
        return Counter(address for line in tried for address in line.split(", "))

    def cleanup(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        if self.process:
            self.process.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class NginxTest(unittest.TestCase):
    def test_two_nodes_behind_nginx(self):
        with PostgresServer() as pg:
            nodes = [Keypaird(BINARY, "[quota]\nkey_pairs = -1\n", database_url=pg.url())
                     for _ in range(2)]
            nginx = None
            try:
                for node in nodes:
                    node.start()
                nginx = Nginx([node.port for node in nodes]).start()
                lb = nginx.client

                status, body, _ = lb.json("GET", "/v2.1/", version="2.1")
                self.assertEqual(status, 200)
                self.assertEqual(body["version"]["links"][0]["href"],
                                 f"http://127.0.0.1:{nginx.port}/v2.1/")

                for i in range(20):
                    status, _, _ = lb.json("POST", "/v2.1/os-keypairs", "lb:p", "2.10",
                                           {"keypair": {"name": f"k{i:02}", "public_key": ED25519}})
                    self.assertEqual(status, 201)
                status, body, _ = lb.json("GET", "/v2.1/os-keypairs", "lb:p")
                self.assertEqual(len(body["keypairs"]), 20)
                time.sleep(0.2)  # the access log is written after each answer
                used = nginx.upstreams()
                self.assertEqual(set(used), {f"127.0.0.1:{node.port}" for node in nodes}, used)

                # One node stops: everything still works through the other.
                nodes[0].stop()
                for i in range(20, 30):
                    status, _, _ = lb.json("POST", "/v2.1/os-keypairs", "lb:p", "2.10",
                                           {"keypair": {"name": f"k{i:02}", "public_key": ED25519}})
                    self.assertEqual(status, 201)
                    status, _, _ = lb.json("DELETE", f"/v2.1/os-keypairs/k{i - 20:02}", "lb:p")
                    self.assertEqual(status, 204)
                status, body, _ = lb.json("GET", "/v2.1/os-keypairs", "lb:p")
                self.assertEqual(sorted(k["keypair"]["name"] for k in body["keypairs"]),
                                 [f"k{i:02}" for i in range(10, 30)])
                print(f"\n  requests per node: {dict(nginx.upstreams())}", file=sys.stderr)
            finally:
                if nginx:
                    nginx.cleanup()
                for node in nodes:
                    node.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
