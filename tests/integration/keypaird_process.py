"""Starts a real keypaird binary for integration tests: on port 0 (the kernel picks a free
loopback port and keypaird's start-up log line says which, so parallel tests never race for a
port), a private temp directory with its own SQLite file (or a given database URL, e.g.
PostgreSQL) and config, and helpers to talk HTTP to it."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

# keypaird's start-up lines, as text or inside a JSON log record.
LISTENING = re.compile(r"listening on http://(\S+):(\d+) ")
METRICS_LISTENING = re.compile(r"metrics and healthcheck on http://(\S+):(\d+)/metrics")
QUIET_LEVELS = ("warning", "error", "critical")


def free_port():
    """A port free now, for servers that cannot bind port 0 and say which port they got.
    Racy under parallel tests (another process may take it before the server binds it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config_values(path):
    """A keypaird config file as keypaird reads it: "section.option" -> value (section
    lower-cased, the last setting wins)."""
    values, section = {}, "default"
    with open(path) as f:
        for line in f:
            t = line.strip()
            if not t or t[0] in "#;":
                continue
            if t.startswith("[") and t.endswith("]"):
                section = t[1:-1].strip().lower()
            elif "=" in t:
                key, value = t.split("=", 1)
                values[f"{section}.{key.strip()}"] = value.strip()
    return values


def log_paths(config_path, stdout_path, cwd=None):
    """Where keypaird writes its log with this config: log_file (in log_dir when relative, as
    oslo.log) if set, and always its stdout/stderr file (start-up failures)."""
    values = config_values(config_path)
    paths = [stdout_path]
    log_file = values.get("default.log_file", "")
    if log_file:
        if not log_file.startswith("/"):
            log_file = os.path.join(values.get("default.log_dir") or cwd or os.getcwd(),
                                    log_file)
        paths.append(log_file)
    return paths


def info_is_logged(config_path):
    values = config_values(config_path)
    level = values.get("default.log_level", "info").lower()
    if values.get("default.debug", "").lower() == "true":
        level = "debug"
    return level not in QUIET_LEVELS


class LogWatch:
    """The text appended to some log files since this was made (a restarted server appends to
    the log of the previous run; its old port lines must not count)."""

    def __init__(self, paths):
        self.offsets = {p: (os.path.getsize(p) if os.path.exists(p) else 0) for p in paths}

    def text(self):
        out = ""
        for path, offset in self.offsets.items():
            try:
                with open(path, "rb") as f:
                    f.seek(offset)
                    out += f.read().decode("utf-8", "replace")
            except OSError:
                pass
        return out


def listening_ports(pid):
    """The TCP ports a process listens on, from /proc: for a server whose log does not say
    (log_level = warning hides the start-up lines)."""
    inodes = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return []
    for fd in fds:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}") as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return sorted(ports)


def bound_ports(watch, info_logged, pid, want_metrics):
    """(api port, metrics port or None) once keypaird has said them, else None."""
    text = watch.text()
    api = LISTENING.search(text)
    metrics = METRICS_LISTENING.search(text)
    if info_logged:
        if api and (metrics or not want_metrics):
            return int(api.group(2)), (int(metrics.group(2)) if metrics else None)
        return None
    ports = listening_ports(pid)
    if len(ports) == 1 and not want_metrics:
        return ports[0], None
    if ports and want_metrics:
        raise RuntimeError("cannot tell the API port from the metrics port: the log level "
                           "hides keypaird's start-up lines")
    return None


class Keypaird:
    """keypaird on `port`, or by default on port 0: then `port` (and `metrics_port`, when the
    config sets metrics_listen) is the bound port, known once start() returns. To restart on the
    same port, pass port=first.port."""

    def __init__(self, binary, extra_config="", state_dir=None, port=None, database_url=None):
        self.binary = binary
        self.own_dir = state_dir is None
        self.dir = state_dir or tempfile.mkdtemp(prefix="keypaird-it-")
        self.requested_port = port or 0
        self.port = port
        self.metrics_port = None
        self.config_path = os.path.join(self.dir, "keypaird.conf")
        self.log_path = os.path.join(self.dir, "keypaird.log")
        self.db_path = os.path.join(self.dir, "keypaird.sqlite")
        with open(self.config_path, "w") as f:
            f.write(
                "[DEFAULT]\n"
                "osapi_compute_listen = 127.0.0.1\n"
                f"osapi_compute_listen_port = {self.requested_port}\n"
                f"state_path = {self.dir}\n"
                "[database]\n"
                f"connection = {database_url or 'sqlite:///' + self.db_path}\n" + extra_config
            )
        self.process = None

    def start(self):
        watch = LogWatch(log_paths(self.config_path, self.log_path))
        info_logged = info_is_logged(self.config_path)
        want_metrics = bool(config_values(self.config_path).get("keypaird.metrics_listen"))
        self.port = self.requested_port or None
        self.metrics_port = None
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [self.binary, "--config-file", self.config_path], stdout=self.log, stderr=self.log
        )
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("keypaird exited at start:\n" + self.read_log())
            if self.port is None or (want_metrics and self.metrics_port is None):
                ports = bound_ports(watch, info_logged, self.process.pid, want_metrics)
                if ports is None:
                    time.sleep(0.02)
                    continue
                self.port, self.metrics_port = ports
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
