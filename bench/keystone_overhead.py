"""Benchmark: what Keystone authentication costs per request once the token cache is warm.
Starts a throwaway Keystone (tests/integration/keystone_server.py) and two keypaird processes
from the same binary, one with auth_strategy = noauth2 and one with keystone, creates the same
keypair in each, then runs wrk against GET /v2.1/os-keypairs/{name} on each, alternating rounds
so that both see the same machine load. Prints requests/s for both and keystone/noauth2."""

import argparse
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from keypaird_process import Keypaird  # noqa: E402
from keystone_server import Keystone  # noqa: E402

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"


def wrk(url, token, args):
    out = subprocess.run(
        ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
         "-H", f"X-Auth-Token: {token}", "-H", "OpenStack-API-Version: compute 2.10", url],
        capture_output=True, text=True, check=True)
    match = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
    if not match or non_2xx:
        raise RuntimeError("wrk failed or got errors:\n" + out.stdout)
    return float(match.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--binary", default="build/keypaird")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="keypaird network threads")
    args = parser.parse_args()

    keystone = Keystone(token_lifetime=7200).start()
    common = f"[DEFAULT]\nosapi_compute_workers = {args.workers}\nlog_level = warning\n"
    noauth = Keypaird(args.binary, common).start()
    authed = Keypaird(args.binary, common + keystone.keypaird_config()).start()
    keystone.register_compute(authed.port)
    try:
        token = keystone.user_token("alice")
        body = {"keypair": {"name": "bench", "public_key": ED25519}}
        assert noauth.json("POST", "/v2.1/os-keypairs", "alice:demo", body=body)[0] == 201
        assert authed.json("POST", "/v2.1/os-keypairs", token, body=body)[0] == 201
        path = "/v2.1/os-keypairs/bench"
        # Warm up both (the keystone side validates the token once, then serves from cache).
        wrk(f"http://127.0.0.1:{noauth.port}{path}", "alice:demo", args)
        wrk(f"http://127.0.0.1:{authed.port}{path}", token, args)
        before = keystone.validation_count()
        results = {"noauth2": [], "keystone": []}
        for _ in range(args.rounds):
            results["noauth2"].append(wrk(f"http://127.0.0.1:{noauth.port}{path}",
                                          "alice:demo", args))
            results["keystone"].append(wrk(f"http://127.0.0.1:{authed.port}{path}", token, args))
        validations = keystone.validation_count() - before
        for name, values in results.items():
            print(f"{name:9s} req/s per round: " + " ".join(f"{v:.0f}" for v in values) +
                  f"  median {statistics.median(values):.0f}")
        ratio = statistics.median(results["keystone"]) / statistics.median(results["noauth2"])
        print(f"keystone/noauth2 throughput ratio (medians): {ratio:.3f}")
        print(f"Keystone validations during the measured rounds: {validations}")
        return 0
    finally:
        authed.cleanup()
        noauth.cleanup()
        keystone.cleanup()


if __name__ == "__main__":
    sys.exit(main())
