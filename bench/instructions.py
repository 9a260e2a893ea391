#!/usr/bin/env python3
"""Instructions keypaird executes per request, counted by callgrind: independent of the load
on the machine, so that a change to the hot path can be measured on a busy box. Starts the
binary under callgrind twice (N and 5 N requests of one workload on one keep-alive connection,
after the same warm-up) and reports the difference divided by 4 N: start-up and shutdown
cancel out.

Usage: bench/instructions.py [--binary build/keypaird] [--requests 400] [--workload show]
       [--log-level info] [--workers 2]"""

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from keypaird_process import listening_ports  # noqa: E402

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"


def request(method, path, body=None):
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "X-Auth-Token: bench:bench",
             "OpenStack-API-Version: compute 2.10"]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n" + (body or "")).encode()


def read_answer(sock, pending):
    while b"\r\n\r\n" not in pending:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed")
        pending += chunk
    head, _, rest = pending.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(rest) < length:
        rest += sock.recv(65536)
    return head.split(b" ", 2)[1], rest[length:]


def run(binary, requests, workload, log_level, workers, keys):
    with tempfile.TemporaryDirectory() as work:
        conf = os.path.join(work, "keypaird.conf")
        with open(conf, "w") as f:
            f.write(f"[DEFAULT]\nosapi_compute_listen_port = 0\nstate_path = {work}\n"
                    f"log_level = {log_level}\nlog_file = {work}/keypaird.log\n"
                    f"osapi_compute_workers = {workers}\n[quota]\nkey_pairs = -1\n"
                    f"[keypaird]\nkey_pool_size = 0\nmax_requests_per_connection = 1000000\n"
                    f"[database]\nconnection = sqlite:///{work}/keypaird.sqlite\n")
        out = os.path.join(work, "callgrind.out")
        proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                                 binary, "--config-file", conf],
                                stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "valgrind.err"), "w"))
        try:
            deadline = time.time() + 60
            port = None
            while port is None:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("keypaird did not start")
                ports = listening_ports(proc.pid) or listening_ports_of_children(proc.pid)
                port = ports[0] if ports else None
                time.sleep(0.05)
            sock = None
            while sock is None:
                try:
                    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
                except OSError:
                    time.sleep(0.05)
            pending = b""
            for i in range(keys):
                body = ('{"keypair": {"name": "k%03d", "public_key": "%s"}}' % (i, ED25519))
                sock.sendall(request("POST", "/v2.1/os-keypairs", body))
                status, pending = read_answer(sock, pending)
                assert status == b"201", status
            path = {"show": "/v2.1/os-keypairs/k000", "list": "/v2.1/os-keypairs"}[workload]
            for _ in range(requests):
                sock.sendall(request("GET", path))
                status, pending = read_answer(sock, pending)
                assert status == b"200", status
            sock.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(120)
        total = 0
        for name in os.listdir(work):
            if name.startswith("callgrind.out"):
                with open(os.path.join(work, name)) as f:
                    for line in f:
                        if line.startswith("summary:") or line.startswith("totals:"):
                            total = max(total, int(line.split()[1]))
                            break
        return total


def listening_ports_of_children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = [int(c) for c in f.read().split()]
    except OSError:
        return []
    for child in children:
        ports = listening_ports(child)
        if ports:
            return ports
    return []


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "keypaird"))
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workload", choices=["show", "list"], default="show")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    keys = 10
    small = run(args.binary, args.requests, args.workload, args.log_level, args.workers, keys)
    large = run(args.binary, 5 * args.requests, args.workload, args.log_level, args.workers, keys)
    per_request = (large - small) / (4 * args.requests)
    print(f"{args.workload} log_level={args.log_level} workers={args.workers}: "
          f"{per_request:,.0f} instructions per request "
          f"(totals {small:,} and {large:,})")


if __name__ == "__main__":
    main()
