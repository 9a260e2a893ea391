"""Runs the REAL nova-api (Debian 12's python3-nova 26.2.2, Zed) on loopback as the oracle of
the differential test: a private temp directory with nova.conf, both of Nova's databases in
SQLite, Debian's api-paste.ini, in-code policy defaults.

Two ways to serve it:
- "eventlet" (the default): Debian's `nova-api` (nova.wsgi.Server on eventlet) with
  osapi_compute_listen = 127.0.0.1, osapi_compute_listen_port = 0 (it logs "osapi_compute
  listening on 127.0.0.1:<port>"), enabled_apis = osapi_compute, osapi_compute_workers = 1.
  This is what the conformance recordings were made with: replay_on_nova.py passes 919 of the
  927 recordings against it, the 8 others being the documented divergences (DIVERGENCES.md).
- "uwsgi": /usr/bin/nova-api-wsgi under uwsgi (one process, one thread, port 0). The same Nova
  code, but uwsgi's HTTP parser decodes the path differently: an invalid escape `%zz` becomes a
  NUL byte (eventlet keeps `%zz`, as the recordings show), `%ff` closes the connection without
  an answer (eventlet: a bare 500), and header names keep their case. So it is not the oracle
  by default.

What Nova needs here, found by trying (the minimum):
- `nova-manage api_db sync` (key pairs, quotas live in the API database) AND `nova-manage db
  sync`: nova-api-wsgi looks up its own `services` row in the main database at start-up and
  answers every request with a bare 500 without that table. No cell mappings are needed (it
  logs "No cells are configured", which does not matter to os-keypairs).
- OS_NOVA_CONFIG_FILES names the paste file first (nova's wsgi_app loads the first file as the
  paste deployment) and nova.conf second.
- policy_dirs points at an empty directory: Debian ships /etc/nova/policy.d/00_default_policy.yaml
  (all comments), which oslo.policy cannot parse as rules; in-code defaults then apply.

The two syncs take 5-35 s together here (2 cores shared with builds); nova-api then answers
GET / after about 10-15 s.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

PASTE_INI = "/etc/nova/api-paste.ini"
WSGI_SCRIPT = "/usr/bin/nova-api-wsgi"
UWSGI_BOUND = re.compile(r"bound to TCP address 127\.0\.0\.1:(\d+)")
EVENTLET_BOUND = re.compile(r"osapi_compute listening on 127\.0\.0\.1:(\d+)")

NOVA_CONF = """\
[DEFAULT]
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = 0
enabled_apis = osapi_compute
osapi_compute_workers = 1
state_path = {dir}
log_dir = {dir}
log_file = nova-api.log
debug = false
transport_url = fake://
[api]
auth_strategy = {auth_strategy}
[api_database]
connection = {api_database}
[database]
connection = sqlite:///{dir}/nova.sqlite
[quota]
key_pairs = {quota}
[oslo_policy]
policy_file = {dir}/policy.yaml
policy_dirs = {dir}/policy.d
[wsgi]
api_paste_config = {paste}
[oslo_concurrency]
lock_path = {dir}/lock
{extra_config}"""


def nova_available():
    return bool(shutil.which("uwsgi") and shutil.which("nova-manage")
                and os.path.exists(WSGI_SCRIPT) and os.path.exists(PASTE_INI))


def nova_version():
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-nova"],
                             capture_output=True, text=True, timeout=30)
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


class NovaApi:
    """nova-api under uwsgi; `port` and `base_url` are known once start() returns."""

    def __init__(self, quota=5, keep_dir=False, server="eventlet", api_database=None,
                 auth_strategy="noauth2", extra_config=""):
        """api_database: nova.conf's [api_database] connection (e.g. mysql+pymysql://... on a
        MariaDB, with PyMySQL installed), so that Nova's API database (key_pairs) is shared
        with keypaird in schema = nova_api; default: a SQLite file in the temp directory. The
        main [database] stays SQLite either way.
        auth_strategy: [api] auth_strategy, "noauth2" or "keystone" (then extra_config carries
        the [keystone_authtoken] section, e.g. from keystone_server.Keystone.nova_config()).
        extra_config: appended to nova.conf."""
        if server not in ("eventlet", "uwsgi"):
            raise ValueError(f"unknown server {server!r}")
        self.server = server
        self.quota = quota
        self.api_database = api_database
        self.auth_strategy = auth_strategy
        self.extra_config = extra_config
        self.keep_dir = keep_dir
        self.dir = tempfile.mkdtemp(prefix="nova-oracle-")
        self.conf = os.path.join(self.dir, "nova.conf")
        self.log_path = os.path.join(self.dir, f"{server}.log")
        self.port = None
        self.process = None
        self.log = None
        self.timings = {}

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        began = time.monotonic()
        os.makedirs(os.path.join(self.dir, "policy.d"))
        os.makedirs(os.path.join(self.dir, "lock"))
        with open(self.conf, "w") as f:
            f.write(NOVA_CONF.format(
                dir=self.dir, quota=self.quota, paste=PASTE_INI,
                auth_strategy=self.auth_strategy, extra_config=self.extra_config,
                api_database=self.api_database or f"sqlite:///{self.dir}/nova_api.sqlite"))
        # In this order: `db sync` first looks for a cell0 mapping in the API database (and,
        # with none, syncs the main database named in nova.conf), so run in parallel it fails
        # on a half-created API database ("no such table: cell_mappings").
        for what in ("api_db", "db"):
            command = ["nova-manage", "--config-file", self.conf, what, "sync"]
            out = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 cwd=self.dir, timeout=600)
            if out.returncode != 0:
                raise RuntimeError(f"{' '.join(command)} failed:\n"
                                   f"{out.stdout.decode('utf-8', 'replace')[-4000:]}")
        self.timings["db_sync"] = time.monotonic() - began
        self.serve()
        self.timings["total"] = time.monotonic() - began
        return self

    def serve(self):
        began = time.monotonic()
        self.log = open(self.log_path, "ab")
        if self.server == "uwsgi":
            command = ["uwsgi", "--plugins", "python3", "--master", "--die-on-term",
                       "--http-socket", "127.0.0.1:0",
                       "--wsgi-file", WSGI_SCRIPT, "--processes", "1", "--threads", "1",
                       "--buffer-size", "65535",
                       "--env", f"OS_NOVA_CONFIG_DIR={self.dir}",
                       "--env", f"OS_NOVA_CONFIG_FILES={PASTE_INI};nova.conf"]
            bound_re = UWSGI_BOUND
        else:
            # nova.conf's [wsgi] api_paste_config defaults to api-paste.ini found next to the
            # config file or in /etc/nova: name Debian's explicitly.
            command = ["nova-api", "--config-file", self.conf]
            bound_re = EVENTLET_BOUND
        self.process = subprocess.Popen(
            command, stdout=self.log, stderr=self.log, cwd=self.dir, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nova-api ({self.server}) exited at start:\n"
                                   + self.read_log() + self.read_nova_log(tail=40))
            if self.port is None:
                bound = bound_re.search(self.read_log() + self.read_nova_log())
                if not bound:
                    time.sleep(0.1)
                    continue
                self.port = int(bound.group(1))
            try:
                with urllib.request.urlopen(self.base_url + "/", timeout=30) as r:
                    if r.status == 200:
                        self.timings["serve"] = time.monotonic() - began
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise RuntimeError("nova-api did not answer GET / within 120 s:\n" + self.read_log())

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def read_nova_log(self, tail=None):
        """Nova's own log (log_file in state_path)."""
        return self.read_log(tail, os.path.join(self.dir, "nova-api.log"))

    def read_log(self, tail=None, path=None):
        try:
            with open(path or self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return text if tail is None else "\n".join(text.splitlines()[-tail:])

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.log:
            self.log.close()
            self.log = None
        self.process = None

    def cleanup(self):
        self.stop()
        if not self.keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


if __name__ == "__main__":
    import sys
    nova = NovaApi(server=sys.argv[1] if len(sys.argv) > 1 else "eventlet")
    try:
        nova.start()
        print(f"nova-api {nova_version()} at {nova.base_url} in {nova.dir}; "
              f"timings {nova.timings}; Ctrl-C stops it", flush=True)
        while nova.alive():
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        nova.cleanup()
