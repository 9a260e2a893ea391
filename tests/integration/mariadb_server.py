#!/usr/bin/env python3
"""A throwaway MariaDB server for tests: mariadb-install-db into a temporary folder, mariadbd
listening on a free loopback port and on a socket in that folder, with real accounts and
grants (a `keypaird` user with a password), stopped and deleted afterwards. Runs as the current
user (as root with --user=root, which mariadbd otherwise refuses).

The server's default character set is latin1 with a case-insensitive collation, so a test
passes only if keypaird's own tables say how they compare names (bytes) whatever the server's
defaults are.

As a library:
    with MariadbServer() as db:
        url = db.url()             # mysql+pymysql://keypaird:<password>@127.0.0.1:<port>/keypaird
        db.restart(crash=True)     # SIGKILL, then start again on the same data directory
        db.sql("SELECT 1")         # as root, through the socket; tab-separated rows
    MariadbServer(tls=True)        # also TLS, with a certificate for 127.0.0.1 signed by
                                   # db.ca_path (a CA made for the run; needs the openssl CLI)
        db.nova_api_database()     # a database `nova-manage api_db sync` made (Debian's
                                   # nova-manage, PyMySQL); its URL, for schema = nova_api

As a wrapper (used by CTest): starts a server, runs the command with KEYPAIRD_TEST_MARIADB_URL
set to a fresh database on it, stops the server, exits with the command's status:
    python3 mariadb_server.py -- build/unit_tests --gtest_filter='Mariadb*'
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

MARIADBD = os.environ.get("KEYPAIRD_MARIADBD", "/usr/sbin/mariadbd")
INSTALL_DB = os.environ.get("KEYPAIRD_MARIADB_INSTALL_DB", "/usr/bin/mariadb-install-db")
CLIENT = os.environ.get("KEYPAIRD_MARIADB_CLIENT", "/usr/bin/mariadb")
NOVA_MANAGE = os.environ.get("KEYPAIRD_NOVA_MANAGE", "/usr/bin/nova-manage")
USER = "keypaird"
PASSWORD = "kp-test-secret"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MariadbServer:
    def __init__(self, tls=False):
        self.tls = tls
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="keypaird-mariadb-")
        self.data = os.path.join(self.dir, "data")
        self.socket = os.path.join(self.dir, "mariadb.sock")
        self.log_path = os.path.join(self.dir, "mariadb.log")
        self.as_root = ["--user=root"] if os.geteuid() == 0 else []
        self.process = None
        self.ca_path = os.path.join(self.dir, "ca.pem")

    # ----------------------------------------------------------------- helpers

    def url(self, dbname="keypaird", scheme="mysql+pymysql"):
        return (f"{scheme}://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{dbname}"
                "?charset=utf8")

    def socket_url(self, dbname="keypaird"):
        return f"mysql://{USER}:{PASSWORD}@localhost/{dbname}?unix_socket={self.socket}"

    def read_log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def sql(self, statements, dbname=None):
        """Runs SQL as root through the socket; returns the rows, tab-separated, no header."""
        argv = [CLIENT, "--no-defaults", "-uroot", f"--socket={self.socket}", "-N", "-B",
                "-e", statements]
        if dbname:
            argv.append(dbname)
        result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"mariadb: {statements}: {result.stdout}")
        return result.stdout

    # ----------------------------------------------------------------- lifecycle

    def _make_certificates(self):
        def openssl(*args):
            subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, cwd=self.dir, timeout=60)
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
                "ca.pem", "-days", "2", "-subj", "/CN=keypaird test CA")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
                "server.csr", "-subj", "/CN=127.0.0.1")
        with open(os.path.join(self.dir, "server.ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\n")
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext")

    def start(self):
        if self.tls:
            self._make_certificates()
        result = subprocess.run(
            [INSTALL_DB, "--no-defaults", f"--datadir={self.data}",
             "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve",
             *self.as_root],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"mariadb-install-db failed: {result.stdout}")
        self._start_server()
        self.create_database("keypaird")
        return self

    def _start_server(self):
        argv = [MARIADBD, "--no-defaults", *self.as_root, f"--datadir={self.data}",
                f"--socket={self.socket}", f"--port={self.port}", "--bind-address=127.0.0.1",
                f"--pid-file={os.path.join(self.dir, 'mariadbd.pid')}",
                f"--log-error={self.log_path}", f"--tmpdir={self.dir}",
                "--skip-name-resolve", "--skip-log-bin", "--performance-schema=OFF",
                "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M",
                "--max-connections=300", "--character-set-server=latin1",
                "--collation-server=latin1_swedish_ci"]
        if self.tls:
            argv += [f"--ssl-ca={self.ca_path}",
                     f"--ssl-cert={os.path.join(self.dir, 'server.pem')}",
                     f"--ssl-key={os.path.join(self.dir, 'server.key')}"]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                raise RuntimeError(f"mariadbd exited at start:\n{self.read_log()}")
            probe = subprocess.run([CLIENT, "--no-defaults", "-uroot", f"--socket={self.socket}",
                                    "-e", "SELECT 1"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            if probe.returncode == 0:
                return
            time.sleep(0.1)
        self.stop(crash=True)
        raise RuntimeError(f"mariadbd did not start within 60 s:\n{self.read_log()}")

    def create_database(self, name):
        """A database with every privilege on it for the test user; returns its URL."""
        self.sql(f"CREATE DATABASE `{name}`;"
                 f" CREATE USER IF NOT EXISTS '{USER}'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}';"
                 f" CREATE USER IF NOT EXISTS '{USER}'@'localhost' IDENTIFIED BY '{PASSWORD}';"
                 f" GRANT ALL PRIVILEGES ON `{name}`.* TO '{USER}'@'127.0.0.1';"
                 f" GRANT ALL PRIVILEGES ON `{name}`.* TO '{USER}'@'localhost';")
        return self.url(name)

    def nova_api_database(self, name="nova_api"):
        """Creates `name` and has Debian's real `nova-manage api_db sync` (Nova 26.2.2, through
        PyMySQL, as nova.conf's [api_database] connection) make Nova's API schema in it, so
        key_pairs is exactly Nova's. Returns the URL; RuntimeError when nova-manage fails."""
        url = self.create_database(name)
        work = tempfile.mkdtemp(prefix="nova-manage-", dir=self.dir)
        conf = os.path.join(work, "nova.conf")
        with open(conf, "w") as f:
            f.write(f"[api_database]\nconnection = {url}\n"
                    f"[database]\nconnection = sqlite:///{work}/nova.sqlite\n")
        result = subprocess.run([NOVA_MANAGE, "--config-file", conf, "api_db", "sync"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                cwd=work, timeout=600)
        if result.returncode != 0:
            raise RuntimeError(f"nova-manage api_db sync failed:\n{result.stdout[-4000:]}")
        return url

    def pid(self):
        return self.process.pid if self.process else None

    def stop(self, crash=False):
        """A clean shutdown (SIGTERM), or a crash (SIGKILL: InnoDB recovers on the next start)."""
        if not self.process:
            return
        try:
            self.process.send_signal(signal.SIGCONT)  # in case a test froze it
            self.process.send_signal(signal.SIGKILL if crash else signal.SIGTERM)
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self, crash=True, down_for=0.0):
        self.stop(crash=crash)
        time.sleep(down_for)
        self._start_server()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, *exc):
        self.cleanup()


def main(argv):
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    command = argv[argv.index("--") + 1:]
    with MariadbServer() as db:
        env = dict(os.environ, KEYPAIRD_TEST_MARIADB_URL=db.url())
        return subprocess.run(command, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
