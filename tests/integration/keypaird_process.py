"""Starts a real keypaird binary for integration tests: a free loopback port, a private temp
directory with its own SQLite file (or a given database URL, e.g. PostgreSQL) and config, and
helpers to talk HTTP to it."""

import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Keypaird:
    def __init__(self, binary, extra_config="", state_dir=None, port=None, database_url=None):
        self.binary = binary
        self.own_dir = state_dir is None
        self.dir = state_dir or tempfile.mkdtemp(prefix="keypaird-it-")
        self.port = port or free_port()
        self.config_path = os.path.join(self.dir, "keypaird.conf")
        self.log_path = os.path.join(self.dir, "keypaird.log")
        self.db_path = os.path.join(self.dir, "keypaird.sqlite")
        with open(self.config_path, "w") as f:
            f.write(
                "[DEFAULT]\n"
                "osapi_compute_listen = 127.0.0.1\n"
                f"osapi_compute_listen_port = {self.port}\n"
                f"state_path = {self.dir}\n"
                "[database]\n"
                f"connection = {database_url or 'sqlite:///' + self.db_path}\n" + extra_config
            )
        self.process = None

    def start(self):
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [self.binary, "--config-file", self.config_path], stdout=self.log, stderr=self.log
        )
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("keypaird exited at start:\n" + self.read_log())
            try:
                status, _, _ = self.request("GET", "/")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("keypaird did not answer within 15 s:\n" + self.read_log())

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.log.close()

    def cleanup(self):
        self.stop()
        if self.own_dir:
            subprocess.run(["rm", "-rf", self.dir])

    def request(self, method, path, token=None, version=None, body=None, headers=None,
                raw_body=None, timeout=60):
        """Returns (status, headers as a list of (name, value), body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        if token is not None:
            h["X-Auth-Token"] = token
        if version is not None:
            h["OpenStack-API-Version"] = "compute " + version
        data = raw_body
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, path, body=data, headers=h)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def json(self, method, path, token="alice:a11ce000", version="2.10", body=None, **kw):
        status, headers, data = self.request(method, path, token, version, body, **kw)
        return status, (json.loads(data) if data else None), dict(
            (k.lower(), v) for k, v in headers)


def binary_from_argv(argv):
    """The test scripts take --binary PATH (as CTest passes it)."""
    if "--binary" in argv:
        i = argv.index("--binary")
        path = argv[i + 1]
        del argv[i:i + 2]
        return path
    return os.environ.get("KEYPAIRD_BINARY", "build/keypaird")
