#!/usr/bin/env python3
"""keypaird's benchmark: one command that builds a Release binary, starts keypaird on a fresh
SQLite store next to nginx serving byte-identical static JSON bodies, runs wrk against both in
the same run (alternating), and prints req/s, p50 and p99 per workload with the ratio
keypaird / nginx. Also: resident memory, time to first answer, RSA generation against the
machine's raw rate, and show/list cost with 1,000,000 keypairs in the store versus 1,000.

Usage: bench/run.py [--duration 10] [--connections 32] [--rounds 2] [--write-results]
Loopback only; every run is bounded in time and stops by itself."""

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from keypaird_process import listening_ports  # noqa: E402
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"
FINGERPRINT = "06:43:93:38:70:b9:22:d6:34:17:a1:c3:97:d0:36:b6"
HEADERS = ["-H", "X-Auth-Token: bench:bench", "-H", "OpenStack-API-Version: compute 2.10"]


def free_port():
    """For nginx, which refuses port 0 (keypaird binds 0 and is asked which port it got)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(*args):
    print(*args, file=sys.stderr, flush=True)


class Keypaird:
    def __init__(self, binary, workdir, extra=""):
        self.binary, self.dir, self.port = binary, workdir, None
        self.db = os.path.join(workdir, "keypaird.sqlite")
        self.conf = os.path.join(workdir, "keypaird.conf")
        with open(self.conf, "w") as f:
            # Port 0: the kernel picks; log_level = warning (no access lines) hides the start-up
            # line naming the port, so start() reads it from /proc.
            f.write(f"[DEFAULT]\nosapi_compute_listen_port = 0\nstate_path = {workdir}\n"
                    f"log_level = warning\n[quota]\nkey_pairs = -1\n"
                    f"[database]\nconnection = sqlite:///{self.db}\n{extra}")
        self.proc = None

    def start(self):
        began = time.perf_counter()
        self.proc = subprocess.Popen([self.binary, "--config-file", self.conf],
                                     stderr=subprocess.DEVNULL)
        self.port = None
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("keypaird exited at start")
            if self.port is None:
                ports = listening_ports(self.proc.pid)
                if not ports:
                    time.sleep(0.001)
                    continue
                self.port = ports[0]
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                c.request("GET", "/")
                c.getresponse().read()
                c.close()
                return time.perf_counter() - began
            except OSError:
                time.sleep(0.001)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def rss_kb(self, field="VmRSS"):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def call(self, method, path, token="bench:bench", body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.10"}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=headers)
        r = c.getresponse()
        payload = r.read()
        c.close()
        return r.status, payload


class Nginx:
    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "nginx")
        self.root = os.path.join(self.dir, "root")
        os.makedirs(self.root)
        self.port = free_port()
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(f"""worker_processes auto;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log;
daemon off;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  default_type application/json;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path {self.dir}/body; proxy_temp_path {self.dir}/proxy;
  fastcgi_temp_path {self.dir}/fastcgi; uwsgi_temp_path {self.dir}/uwsgi;
  scgi_temp_path {self.dir}/scgi;
  server {{ listen 127.0.0.1:{self.port}; root {self.root}; }}
}}
""")

    def serve(self, path, body):
        target = os.path.join(self.root, path.lstrip("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(body)

    def start(self):
        self.proc = subprocess.Popen(["nginx", "-c", self.conf, "-p", self.dir],
                                     stderr=subprocess.DEVNULL)
        for _ in range(500):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("nginx did not start")

    def stop(self):
        self.proc.send_signal(signal.SIGQUIT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def parse_latency(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url, args, duration, script=None, script_args=()):
    cmd = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{duration}s",
           "--latency", "--timeout", "10s"] + HEADERS
    if script:
        cmd += ["-s", os.path.join(BENCH, script)]
    cmd.append(url)
    if script_args:
        cmd += ["--"] + list(script_args)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = parse_latency(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = parse_latency(re.search(r"\s99%\s+(\S+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": p50, "p99": p99, "non2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else ""}


def mean_result(results):
    return {"rps": statistics.mean(r["rps"] for r in results),
            "p50": statistics.median(r["p50"] for r in results),
            "p99": max(r["p99"] for r in results),
            "non2xx": sum(r["non2xx"] for r in results)}


def raw_rsa_rate(seconds=6):
    """Keys per second the machine makes with OpenSSL itself: `openssl genpkey` RSA-2048 in one
    loop per core, for a fixed time."""
    cores = os.cpu_count() or 1
    script = ("end=$((SECONDS+%d)); n=0; while [ $SECONDS -lt $end ]; do "
              "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out /dev/null "
              "2>/dev/null; n=$((n+1)); done; echo $n") % seconds
    began = time.perf_counter()
    procs = [subprocess.Popen(["bash", "-c", script], stdout=subprocess.PIPE, text=True)
             for _ in range(cores)]
    total = sum(int(p.communicate()[0]) for p in procs)
    return total / (time.perf_counter() - began)


def populate(db_path, users, per_user, prefix="u", name="key-{:04d}"):
    """Bulk-loads rows straight into a stopped keypaird's SQLite file."""
    created = datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%S.%f")
    with sqlite3.connect(db_path) as db:
        db.execute("PRAGMA synchronous=OFF")
        rows = ((f"{prefix}{u}", name.format(k), FINGERPRINT, ED25519, "ssh", created)
                for u in range(users) for k in range(per_user))
        db.executemany("INSERT INTO key_pairs (user_id, name, fingerprint, public_key, type, "
                       "created_at) VALUES (?, ?, ?, ?, ?, ?)", rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs per workload")
    parser.add_argument("--binary", help="use this keypaird instead of building one")
    parser.add_argument("--skip-scale", action="store_true", help="skip the 1,000,000-key test")
    parser.add_argument("--write-results", action="store_true",
                        help="write bench/RESULTS.md with this run's table")
    args = parser.parse_args()

    binary = args.binary
    if not shutil.which("wrk") or not shutil.which("nginx"):
        subprocess.run([os.path.join(ROOT, "scripts", "install-deps.sh"), "--bench"], check=True)
    if not binary:
        env = dict(os.environ, BUILD_DIR=os.path.join(ROOT, "build-bench"), BUILD_TYPE="Release")
        subprocess.run([os.path.join(ROOT, "scripts", "build.sh"), "-DKEYPAIRD_TESTS=OFF"],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        binary = os.path.join(ROOT, "build-bench", "keypaird")

    work = tempfile.mkdtemp(prefix="keypaird-bench-")
    rows, notes = [], []
    server, nginx = Keypaird(binary, work), Nginx(work)
    try:
        # Time to first answer: median of five cold starts on a fresh store.
        starts = []
        for i in range(5):
            k = Keypaird(binary, tempfile.mkdtemp(dir=work))
            starts.append(k.start() * 1000)
            k.stop()
        server.start()
        idle_rss = server.rss_kb()
        # Stored keys for the read workloads; nginx serves the exact bytes keypaird answers.
        server.call("POST", "/v2.1/os-keypairs", body={"keypair": {"name": "k1", "public_key": ED25519}})
        for n in range(10):
            server.call("POST", "/v2.1/os-keypairs", "list10:b",
                        {"keypair": {"name": f"k{n:02d}", "public_key": ED25519}})
        for n in range(100):
            server.call("POST", "/v2.1/os-keypairs", "list100:b",
                        {"keypair": {"name": f"k{n:03d}", "public_key": ED25519}})
        # The worst list the default limits allow: 100 keys of max_public_key_size (16 KiB) each.
        big_key = (ED25519 + " " + "c" * 16384)[:16384]
        for n in range(100):
            server.call("POST", "/v2.1/os-keypairs", "listbig:b",
                        {"keypair": {"name": f"k{n:03d}", "public_key": big_key}})
        paths = {"GET show": ("/v2.1/os-keypairs/k1", "bench:bench"),
                 "GET list (10 keys)": ("/v2.1/os-keypairs", "list10:b"),
                 "GET list (100 keys)": ("/v2.1/os-keypairs", "list100:b"),
                 "GET list (100 keys of 16 KiB)": ("/v2.1/os-keypairs", "listbig:b")}
        static = {}
        for label, (path, token) in paths.items():
            status, body = server.call("GET", path, token)
            assert status == 200, (label, status)
            static_path = "/static/" + label.replace(" ", "_").replace("(", "").replace(")", "")
            nginx.serve(static_path, body)
            static[label] = static_path
        nginx.start()

        def compare(label, path, token):
            global HEADERS
            HEADERS = ["-H", f"X-Auth-Token: {token}", "-H", "OpenStack-API-Version: compute 2.10"]
            ours, theirs = [], []
            for _ in range(args.rounds):
                theirs.append(wrk(f"http://127.0.0.1:{nginx.port}{static[label]}", args,
                                  args.duration))
                ours.append(wrk(f"http://127.0.0.1:{server.port}{path}", args, args.duration))
            return mean_result(ours), mean_result(theirs)

        reference = None
        for label, (path, token) in paths.items():
            log(f"running {label} ...")
            ours, theirs = compare(label, path, token)
            if label == "GET show":
                reference = theirs
            rows.append((label, ours, theirs))
        loaded_rss = server.rss_kb("VmHWM")

        # Writes, against the nginx GET show reference of this run.
        log("running POST import ...")
        results = [wrk(f"http://127.0.0.1:{server.port}/", args, args.duration, "import.lua",
                       [f"imp{r}"]) for r in range(args.rounds)]
        rows.append(("POST import (durable)", mean_result(results), reference))
        log("running 90/10 read/write mix ...")
        results = [wrk(f"http://127.0.0.1:{server.port}/", args, args.duration, "mix.lua",
                       [f"mix{r}"]) for r in range(args.rounds)]
        rows.append(("90% GET show / 10% POST import", mean_result(results), reference))
        # DELETE: keys stored beforehand, straight into the file while keypaird is stopped.
        server.stop()
        populate(server.db, args.threads, 400000, "deleter", "d-{}")
        server.start()
        log("running DELETE ...")
        results = [wrk(f"http://127.0.0.1:{server.port}/", args, args.duration, "delete.lua")]
        rows.append(("DELETE", mean_result(results), reference))
        loaded_rss = max(loaded_rss, server.rss_kb("VmHWM"))

        # Generation: keypaird's sustained rate against OpenSSL's raw rate on this machine.
        log("measuring raw RSA-2048 generation ...")
        raw = raw_rsa_rate()
        gen_args = argparse.Namespace(**vars(args))
        gen_args.connections = 4
        log("running POST generate ...")
        gen = wrk(f"http://127.0.0.1:{server.port}/", gen_args, max(args.duration, 10),
                  "generate.lua", ["gen"])
        # A burst the key pool can absorb: let it refill, then ten generations one by one.
        time.sleep(5)
        burst = []
        for n in range(10):
            began = time.perf_counter()
            status, _ = server.call("POST", "/v2.1/os-keypairs", "burst:b",
                                    {"keypair": {"name": f"burst-{n}"}})
            assert status == 201, status
            burst.append((time.perf_counter() - began) * 1000)
        server.stop()

        scale = None
        if not args.skip_scale:
            log("building a store with 1,000,000 keypairs ...")
            small_dir, big_dir = tempfile.mkdtemp(dir=work), tempfile.mkdtemp(dir=work)
            results = {}
            for name, directory, users, per_user in (("1,000", small_dir, 100, 10),
                                                      ("1,000,000", big_dir, 100000, 10)):
                k = Keypaird(binary, directory)
                k.start()
                k.stop()
                populate(k.db, users, per_user)
                k.start()
                HEADERS[1] = "X-Auth-Token: u77:p"
                show = wrk(f"http://127.0.0.1:{k.port}/v2.1/os-keypairs/key-0005", args,
                           args.duration)
                listing = wrk(f"http://127.0.0.1:{k.port}/v2.1/os-keypairs", args, args.duration)
                k.stop()
                results[name] = (show, listing)
            scale = results
    finally:
        server.stop()
        try:
            nginx.stop()
        except Exception:
            pass
        shutil.rmtree(work, ignore_errors=True)

    lines = []
    lines.append(f"| workload | keypaird req/s | p50 ms | p99 ms | nginx req/s | nginx p50 ms | "
                 f"ratio | non-2xx |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for label, ours, theirs in rows:
        lines.append(f"| {label} | {ours['rps']:,.0f} | {ours['p50']:.2f} | {ours['p99']:.2f} | "
                     f"{theirs['rps']:,.0f} | {theirs['p50']:.2f} | "
                     f"{ours['rps'] / theirs['rps']:.2f} | {ours['non2xx']} |")
    lines.append("")
    lines.append(f"- POST generate (RSA-2048, 4 connections): {gen['rps']:.1f} keys/s, "
                 f"p50 {gen['p50']:.1f} ms, p99 {gen['p99']:.1f} ms; the machine's raw rate "
                 f"(openssl genpkey, one loop per core): {raw:.1f} keys/s; ratio "
                 f"{gen['rps'] / raw:.2f}")
    lines.append(f"- POST generate while the key pool lasts (10 in a row after a refill): p50 "
                 f"{statistics.median(burst):.1f} ms, max {max(burst):.1f} ms")
    lines.append(f"- resident memory: idle {idle_rss / 1024:.1f} MB, peak under load "
                 f"{loaded_rss / 1024:.1f} MB")
    lines.append(f"- start to first answered request: median {statistics.median(starts):.1f} ms "
                 f"(of {', '.join(f'{s:.1f}' for s in starts)})")
    if scale:
        (s_show, s_list), (b_show, b_list) = scale["1,000"], scale["1,000,000"]
        lines.append(f"- GET show with 1,000,000 keypairs (100,000 users) vs 1,000: "
                     f"{b_show['rps']:,.0f} vs {s_show['rps']:,.0f} req/s, ratio "
                     f"{b_show['rps'] / s_show['rps']:.2f}")
        lines.append(f"- GET list (10 keys) with 1,000,000 keypairs vs 1,000: "
                     f"{b_list['rps']:,.0f} vs {s_list['rps']:,.0f} req/s, ratio "
                     f"{b_list['rps'] / s_list['rps']:.2f}")
    table = "\n".join(lines)
    print(table)
    if args.write_results:
        cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
                             capture_output=True, text=True).stdout.strip()
        header = (f"Measured {datetime.date.today().isoformat()} on {os.cpu_count()} cores "
                  f"({cpu}), {platform.system()} {platform.release()}; wrk -t{args.threads} "
                  f"-c{args.connections} -d{args.duration}s, {args.rounds} alternating rounds, "
                  f"loopback, noauth2, SQLite.\n")
        results_path = os.path.join(BENCH, "RESULTS.md")
        with open(results_path) as f:
            text = f.read()
        begin, end = "<!-- results:begin -->", "<!-- results:end -->"
        text = (text.split(begin)[0] + begin + "\n" + header + "\n" + table + "\n" + end +
                text.split(end)[1])
        with open(results_path, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
