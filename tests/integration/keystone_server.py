"""Runs a real, throwaway Keystone (Debian's `keystone` package under uwsgi) on loopback for
integration tests: a private sqlite database and key repositories in a temp directory, one
uwsgi process with one thread (see ../shared/reference/keystone-token-validation.md), and the
accounts the tests need: admin, a service user `nova` (role `service`, project `service`),
normal users `alice` and `bob` (role `member`, project `demo`), and a `compute` service whose
endpoints point at keypaird (register_compute(port) once keypaird has its port). uwsgi binds
port 0 and says which port it got; a restart (serve() again) reuses that port. Tokens are short-lived (TOKEN_LIFETIME seconds) so that expiry and
keypaird's service-token renewal can be tested in reasonable time."""

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from keypaird_process import LogWatch

TOKEN_LIFETIME = 15
ADMIN_PASSWORD = "admin-secret"
SERVICE_PASSWORD = "nova-secret"
USER_PASSWORDS = {"alice": "alice-secret", "bob": "bob-secret"}
UWSGI_BOUND = re.compile(r"bound to TCP address 127\.0\.0\.1:(\d+)")


def keystone_available():
    return shutil.which("keystone-manage") and shutil.which("uwsgi") and os.path.exists(
        "/usr/bin/keystone-wsgi-public")


class Keystone:
    def __init__(self, compute_port=None, token_lifetime=TOKEN_LIFETIME):
        self.compute_port = compute_port
        self.token_lifetime = token_lifetime
        self.port = None  # bound by uwsgi on port 0 at the first serve()
        self.url = None
        self.dir = tempfile.mkdtemp(prefix="keystone-it-")
        self.conf = os.path.join(self.dir, "keystone.conf")
        self.log_path = os.path.join(self.dir, "uwsgi.log")
        self.process = None
        self.ids = {}

    # --- life cycle -------------------------------------------------------------------------

    def start(self):
        self._configure()
        self.serve()
        self._bootstrap()
        self._populate()
        return self

    def serve(self):
        """Starts (or restarts) the uwsgi server on the same database and port."""
        watch = LogWatch([self.log_path])
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            ["uwsgi", "--plugins", "python3", "--master", "--die-on-term",
             "--http-socket", f"127.0.0.1:{self.port or 0}",
             "--wsgi-file", "/usr/bin/keystone-wsgi-public",
             "--processes", "1", "--threads", "1",
             "--env", f"OS_KEYSTONE_CONFIG_DIR={self.dir}",
             "--env", "OS_KEYSTONE_CONFIG_FILES=keystone.conf",
             "--add-header", "Connection: close"],
            stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("keystone exited at start:\n" + self.read_log())
            if self.port is None:
                bound = UWSGI_BOUND.search(watch.text())
                if not bound:
                    time.sleep(0.05)
                    continue
                self.port = int(bound.group(1))
                self.url = f"http://127.0.0.1:{self.port}/v3"
            try:
                with urllib.request.urlopen(self.url, timeout=5) as r:
                    if r.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        raise RuntimeError("keystone did not answer within 60 s:\n" + self.read_log())

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            self.log.close()
        self.process = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def validation_count(self):
        """How many token validations (GET /v3/auth/tokens) Keystone has served so far."""
        return self.read_log().count("GET /v3/auth/tokens")

    # --- set-up -----------------------------------------------------------------------------

    def _configure(self):
        d = self.dir
        for sub in ("fernet", "credential"):
            os.makedirs(os.path.join(d, sub), mode=0o700)
        with open(self.conf, "w") as f:
            f.write(f"""[DEFAULT]
log_file = {d}/keystone.log
[database]
connection = sqlite:///{d}/keystone.db?check_same_thread=false
[token]
provider = fernet
expiration = {self.token_lifetime}
[fernet_tokens]
key_repository = {d}/fernet
[credential]
key_repository = {d}/credential
[cache]
enabled = true
backend = dogpile.cache.memory
[identity]
password_hash_algorithm = bcrypt
password_hash_rounds = 4
""")
        manage = ["keystone-manage", "--config-file", self.conf]
        owner = ["--keystone-user", "root", "--keystone-group", "root"]
        if os.getuid() != 0:
            import grp
            import pwd
            owner = ["--keystone-user", pwd.getpwuid(os.getuid()).pw_name,
                     "--keystone-group", grp.getgrgid(os.getgid()).gr_name]
        self._run(manage + ["db_sync"])
        with sqlite3.connect(os.path.join(d, "keystone.db")) as db:
            db.execute("PRAGMA journal_mode=WAL")
        self._run(manage + ["fernet_setup"] + owner)
        self._run(manage + ["credential_setup"] + owner)

    def _bootstrap(self):
        """Once uwsgi has its port: the identity endpoints name it."""
        manage = ["keystone-manage", "--config-file", self.conf]
        self._run(manage + ["bootstrap", "--bootstrap-password", ADMIN_PASSWORD,
                            "--bootstrap-region-id", "RegionOne",
                            "--bootstrap-public-url", self.url,
                            "--bootstrap-internal-url", self.url,
                            "--bootstrap-admin-url", self.url])

    def _run(self, command):
        out = subprocess.run(command, capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{out.stdout}\n{out.stderr}")

    def _populate(self):
        admin = self.issue_token("admin", ADMIN_PASSWORD, "admin")
        self.ids["admin_project"] = self._find(admin, "projects", "admin")
        self.ids["admin_user"] = self._find(admin, "users", "admin")
        service = self.api(admin, "POST", "/projects",
                           {"project": {"name": "service", "domain_id": "default"}})
        demo = self.api(admin, "POST", "/projects",
                        {"project": {"name": "demo", "domain_id": "default"}})
        self.ids["service_project"] = service["project"]["id"]
        self.ids["demo_project"] = demo["project"]["id"]
        roles = {r["name"]: r["id"] for r in self.api(admin, "GET", "/roles")["roles"]}
        if "service" not in roles:
            roles["service"] = self.api(admin, "POST", "/roles",
                                        {"role": {"name": "service"}})["role"]["id"]
        nova = self.api(admin, "POST", "/users", {"user": {
            "name": "nova", "password": SERVICE_PASSWORD, "domain_id": "default"}})["user"]["id"]
        self.ids["nova_user"] = nova
        self.api(admin, "PUT", f"/projects/{service['project']['id']}/users/{nova}"
                               f"/roles/{roles['service']}")
        for name, password in USER_PASSWORDS.items():
            user = self.api(admin, "POST", "/users", {"user": {
                "name": name, "password": password, "domain_id": "default"}})["user"]["id"]
            self.ids[name] = user
            self.api(admin, "PUT", f"/projects/{demo['project']['id']}/users/{user}"
                                   f"/roles/{roles['member']}")
        self.ids["compute_service"] = self.api(admin, "POST", "/services", {
            "service": {"name": "nova", "type": "compute"}})["service"]["id"]
        if self.compute_port:
            self.register_compute(self.compute_port)

    def register_compute(self, port):
        """The compute endpoints (public, internal, admin) at keypaird on `port`."""
        self.compute_port = port
        self.compute_url = f"http://127.0.0.1:{port}/v2.1"
        admin = self.admin_token()
        for interface in ("public", "internal", "admin"):
            self.api(admin, "POST", "/endpoints", {"endpoint": {
                "service_id": self.ids["compute_service"], "interface": interface,
                "region_id": "RegionOne", "url": self.compute_url}})

    def _find(self, token, collection, name):
        return self.api(token, "GET", f"/{collection}?name={name}")[collection][0]["id"]

    # --- talking to it ----------------------------------------------------------------------

    def api(self, token, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("X-Auth-Token", token)
        request.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            request.add_header(k, v)
        with urllib.request.urlopen(request, timeout=30) as r:
            text = r.read()
            return json.loads(text) if text else None

    def issue_token(self, user, password, project, project_domain="Default"):
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": user, "domain": {"name": "Default"}, "password": password}}},
            "scope": {"project": {"name": project, "domain": {"name": project_domain}}}}}
        request = urllib.request.Request(self.url + "/auth/tokens",
                                         data=json.dumps(body).encode(), method="POST")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.headers["X-Subject-Token"]

    def user_token(self, name):
        return self.issue_token(name, USER_PASSWORDS[name], "demo")

    def admin_token(self):
        return self.issue_token("admin", ADMIN_PASSWORD, "admin")

    def service_token(self):
        return self.issue_token("nova", SERVICE_PASSWORD, "service")

    def revoke(self, token):
        request = urllib.request.Request(self.url + "/auth/tokens", method="DELETE")
        request.add_header("X-Auth-Token", token)
        request.add_header("X-Subject-Token", token)
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status

    def cli_env(self, user, password, project):
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("OS_"):
                del env[k]
        env.update({
            "OS_AUTH_URL": self.url, "OS_USERNAME": user, "OS_PASSWORD": password,
            "OS_PROJECT_NAME": project, "OS_USER_DOMAIN_NAME": "Default",
            "OS_PROJECT_DOMAIN_NAME": "Default", "OS_IDENTITY_API_VERSION": "3",
            "OS_INTERFACE": "public", "OS_REGION_NAME": "RegionOne",
        })
        return env

    def keypaird_config(self, token_cache_time=300):
        return f"""[api]
auth_strategy = keystone
[keystone_authtoken]
www_authenticate_uri = {self.url}
auth_url = http://127.0.0.1:{self.port}
auth_type = password
username = nova
password = {SERVICE_PASSWORD}
project_name = service
user_domain_name = Default
project_domain_name = Default
region_name = RegionOne
interface = public
token_cache_time = {token_cache_time}
http_connect_timeout = 5
"""

    def nova_config(self):
        """nova.conf's [keystone_authtoken] for a real nova-api (auth_strategy = keystone)
        validating tokens with this Keystone as the service user `nova`: keystonemiddleware's
        options, in-process token cache (no memcached)."""
        return f"""[keystone_authtoken]
www_authenticate_uri = {self.url}
auth_url = http://127.0.0.1:{self.port}
auth_type = password
username = nova
password = {SERVICE_PASSWORD}
project_name = service
user_domain_name = Default
project_domain_name = Default
region_name = RegionOne
interface = public
http_connect_timeout = 10
"""
