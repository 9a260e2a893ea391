#!/usr/bin/env python3
"""A throwaway PostgreSQL 15 server for tests: initdb into a temporary folder as an unprivileged
user (the `postgres` system user when run as root, as CI does), listening on a free loopback port
with password authentication, stopped and deleted afterwards.

The database's default collation is ICU's en-US (linguistic: "a" < "B"), so a test passes only
if keypaird compares names by bytes whatever the collation.

As a library:
    with PostgresServer() as pg:
        url = pg.url()             # postgresql://keypaird:<password>@127.0.0.1:<port>/keypaird
        pg.restart(mode="immediate")

As a wrapper (used by CTest): starts a server, runs the command with KEYPAIRD_TEST_POSTGRES_URL
set to a fresh database on it, stops the server, exits with the command's status:
    python3 postgres_server.py -- build/unit_tests --gtest_filter='Postgres*'
"""

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

BINDIR = os.environ.get("KEYPAIRD_POSTGRES_BINDIR", "/usr/lib/postgresql/15/bin")
USER = "keypaird"
PASSWORD = "kp-test-secret"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, log_statements=False):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="keypaird-pg-")
        self.data = os.path.join(self.dir, "data")
        self.sockets = os.path.join(self.dir, "sockets")
        self.log_path = os.path.join(self.dir, "postgres.log")
        self.log_statements = log_statements
        self.run_as = None
        if os.geteuid() == 0:
            # initdb and postgres refuse to run as root.
            self.run_as = "postgres"
            try:
                owner = pwd.getpwnam(self.run_as)
            except KeyError:
                raise RuntimeError("running as root needs the 'postgres' system user "
                                   "(Debian's postgresql package creates it)")
            os.chmod(self.dir, 0o700)
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self.started = False

    # ----------------------------------------------------------------- helpers

    def _as_owner(self, argv):
        return (["runuser", "-u", self.run_as, "--"] + argv) if self.run_as else argv

    def _run(self, argv, check=True, **kw):
        return subprocess.run(self._as_owner(argv), check=check, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, **kw)

    def url(self, dbname="keypaird"):
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{dbname}"

    def read_log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # ----------------------------------------------------------------- lifecycle

    def start(self):
        pwfile = os.path.join(self.dir, "pwfile")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        if self.run_as:
            owner = pwd.getpwnam(self.run_as)
            os.chown(pwfile, owner.pw_uid, owner.pw_gid)
        os.makedirs(self.sockets, exist_ok=True)
        if self.run_as:
            os.chown(self.sockets, owner.pw_uid, owner.pw_gid)
        base = [f"{BINDIR}/initdb", "-D", self.data, "-U", USER, f"--pwfile={pwfile}",
                "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"]
        result = self._run(base + ["--locale=C.UTF-8", "--locale-provider=icu",
                                   "--icu-locale=en-US"], check=False)
        if result.returncode != 0:  # a build without ICU: plain C.UTF-8 then
            shutil.rmtree(self.data, ignore_errors=True)
            self._run(base + ["--locale=C.UTF-8"])
        os.remove(pwfile)
        self._pg_ctl_start()
        self._run([f"{BINDIR}/createdb", "-h", self.sockets, "-p", str(self.port), "-U", USER,
                   "keypaird"])
        return self

    def _pg_ctl_start(self):
        options = (f"-k {self.sockets} -p {self.port} -h 127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c max_connections=200 -c shared_buffers=16MB")
        if self.log_statements:
            options += " -c log_statement=all"
        result = self._run([f"{BINDIR}/pg_ctl", "-D", self.data, "-o", options, "-l",
                            self.log_path, "-w", "-t", "60", "start"], check=False)
        if result.returncode != 0:
            raise RuntimeError(f"postgres did not start: {result.stdout}\n{self.read_log()}")
        self.started = True

    def stop(self, mode="fast"):
        """mode: smart | fast | immediate (immediate is a crash: recovery replays the WAL)."""
        if self.started:
            self._run([f"{BINDIR}/pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60",
                       "stop"], check=False)
            self.started = False

    def restart(self, mode="immediate", down_for=0.0):
        self.stop(mode)
        time.sleep(down_for)
        self._pg_ctl_start()

    def create_database(self, name):
        self._run([f"{BINDIR}/createdb", "-h", self.sockets, "-p", str(self.port), "-U", USER,
                   name])
        return self.url(name)

    def psql(self, sql, dbname="keypaird"):
        """Runs SQL through psql; returns its unaligned, tuples-only output."""
        result = self._run([f"{BINDIR}/psql", "-h", self.sockets, "-p", str(self.port), "-U",
                            USER, "-d", dbname, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c",
                            sql])
        return result.stdout

    def cleanup(self):
        self.stop("fast")
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
    with PostgresServer() as pg:
        env = dict(os.environ, KEYPAIRD_TEST_POSTGRES_URL=pg.url())
        return subprocess.run(command, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
