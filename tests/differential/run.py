#!/usr/bin/env python3
"""Differential test: the real nova-api (Debian 12, 26.2.2) as the oracle for keypaird.

    python3 tests/differential/run.py --binary build/keypaird --seed 1 --count 1500
    python3 tests/differential/run.py --binary build/keypaird --seed 1 --count 1500 --only 417
    python3 tests/differential/run.py --binary build/keypaird --seed 1 --show 417   # print it

Both servers start from fresh state with the same settings (noauth2, [quota] key_pairs = 5,
maximum microversion 2.93, loopback, port 0; nova_api_server.py says how Nova is run), get the
same seeded sequence of requests (generator.py) in the same order, each on a fresh connection,
byte for byte the same except the Host header (each server's own address, from which both build
their links). Each Nova answer becomes the expectation for keypaird's answer, compared by the
conformance rules (tests/conformance/compare.py): Nova's generated values (request ids,
timestamps, ids, generated keys and their fingerprints) become compare.py's placeholders, and
the documented divergences (tests/conformance/DIVERGENCES.md) adjust the expectation exactly as
replay.py does (divergence() below).

A difference prints the seed, the position, the request and both answers. `--only N` replays
request N alone: first the state-changing requests before it (every method but GET, HEAD and
OPTIONS, unchecked), then N, checked. The exit status is 0 only with no difference.
Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "conformance"))
sys.path.insert(0, str(HERE.parent / "integration"))
import compare  # noqa: E402
from compare import ActualResponse, Expectation  # noqa: E402
from generator import Request, generate  # noqa: E402
from keypaird_process import Keypaird  # noqa: E402
from nova_api_server import NovaApi, nova_available, nova_version  # noqa: E402
from replay import ExchangeError, exchange  # noqa: E402

KEYPAIRD_CONFIG = """\
[api]
auth_strategy = noauth2
max_microversion = 2.93
[quota]
key_pairs = 5
[keypaird]
# As in the conformance replay: Nova has no cap on public keys; the generator sends no key
# over 16 KiB (DIVERGENCES.md), so the cap is simply out of the way.
max_public_key_size = 114688
"""
UNCHANGING = ("GET", "HEAD", "OPTIONS")
RECORDED_HEADERS = compare.ABSENT_UNLESS_RECORDED + ("Content-Length",)


# --------------------------------------------------------------------------- expectations

class Generated:
    """Public keys Nova generated so far: wherever one appears again (show, list), it and the
    fingerprint beside it are placeholders, since keypaird generated different ones."""

    def __init__(self):
        self.public_keys: set[str] = set()

    def learn(self, body: Any) -> None:
        for keypair in keypair_objects(body):
            if "private_key" in keypair and isinstance(keypair.get("public_key"), str):
                self.public_keys.add(keypair["public_key"])


def keypair_objects(body: Any):
    if isinstance(body, dict):
        if isinstance(body.get("keypair"), dict):
            yield body["keypair"]
        for item in body.get("keypairs", []) if isinstance(body.get("keypairs"), list) else []:
            if isinstance(item, dict) and isinstance(item.get("keypair"), dict):
                yield item["keypair"]


def placeholders(value: Any, base_url: str) -> Any:
    if isinstance(value, str):
        return value.replace(base_url, compare.BASE_URL_PLACEHOLDER)
    if isinstance(value, list):
        return [placeholders(item, base_url) for item in value]
    if isinstance(value, dict):
        return {key: placeholders(item, base_url) for key, item in value.items()}
    return value


def keypair_placeholders(keypair: dict, generated: Generated) -> None:
    for key in ("created_at", "updated_at", "deleted_at"):
        if isinstance(keypair.get(key), str) and compare.TIMESTAMP_RE.fullmatch(keypair[key]):
            keypair[key] = compare.TIMESTAMP_PLACEHOLDER
    if type(keypair.get("id")) is int:
        keypair["id"] = compare.ID_PLACEHOLDER
    private = keypair.get("private_key")
    if isinstance(private, str):
        keypair["private_key"] = (compare.RSA_PRIVATE_KEY_PLACEHOLDER
                                  if private.startswith("-----BEGIN RSA PRIVATE KEY-----")
                                  else compare.PKCS12_PLACEHOLDER)
    public = keypair.get("public_key")
    if isinstance(public, str) and public in generated.public_keys:
        certificate = public.startswith("-----BEGIN CERTIFICATE-----")
        keypair["public_key"] = (compare.CERTIFICATE_PLACEHOLDER if certificate
                                 else compare.SSH_PUBLIC_KEY_PLACEHOLDER)
        if "fingerprint" in keypair:
            keypair["fingerprint"] = (compare.SHA1_FINGERPRINT_PLACEHOLDER if certificate
                                      else compare.MD5_FINGERPRINT_PLACEHOLDER)


def expectation_from_nova(nova: ActualResponse, base_url: str,
                          generated: Generated) -> Expectation:
    headers: dict[str, Any] = {}
    for name in RECORDED_HEADERS:
        values = nova.header_values(name)
        if not values:
            continue
        if name == "Vary" and len(values) > 1:
            headers[name] = values
        else:
            headers[name] = placeholders(values[0], base_url)
    request_ids = any(nova.header_values(name) for name in compare.REQUEST_ID_HEADERS)
    if not nova.body:
        body_format, body = "empty", None
    else:
        try:
            body = compare.parse_json_strictly(nova.body)
            body_format = "json"
        except ValueError:
            body_format, body = "text", nova.body.decode("utf-8", "replace")
    if body_format == "json":
        generated.learn(body)
        body = placeholders(body, base_url)
        for keypair in keypair_objects(body):
            keypair_placeholders(keypair, generated)
    return Expectation(status=nova.status, body_format=body_format, body=body, headers=headers,
                       request_ids=request_ids)


def fault_message(expected: Expectation) -> str:
    if expected.body_format == "json" and isinstance(expected.body, dict) and expected.body:
        fault = next(iter(expected.body.values()))
        if isinstance(fault, dict) and isinstance(fault.get("message"), str):
            return fault["message"]
    return ""


VERSION_HEADERS = ("openstack-api-version", "x-openstack-nova-api-version", "vary")


def is_legacy_v2(path: str) -> bool:
    return re.sub("/+", "/", path).startswith("/v2/")


def divergence(request: Request, expected: Expectation) -> Optional[str]:
    """Adjusts `expected` for a documented divergence (DIVERGENCES.md), as replay.py does for
    the recordings; returns which one, or None. A HEAD answer never has a body."""
    applied = body_divergence(request, expected)
    if applied and request.method == "HEAD" and expected.body_format == "json":
        expected.body_format, expected.body = "empty", b""
    return applied


def body_divergence(request: Request, expected: Expectation) -> Optional[str]:
    if (expected.status == 500 and expected.body_format != "json"
            and any(name.lower() == "accept" for name, _ in request.headers)
            and not re.search(r"%[89a-fA-F][0-9a-fA-F]", request.path)):
        # A bare 500 from the URL map, which reads Accept before anything else.
        compare.expect_json_client_error(expected)
        compare.expect_bad_request(expected)
        return "Accept header Nova's URL map cannot read: 400 badRequest, not bare 500"
    if (expected.status == 500 and expected.body_format == "json"
            and "body-invalid-utf8" in request.tags):
        compare.expect_bad_request(expected)
        if is_legacy_v2(request.path):
            # Nova's 500 escapes its /v2 wrapper, which strips the version headers from the
            # answers it sees (its 400s among them); keypaird's 400 is one of those.
            expected.headers = {name: value for name, value in expected.headers.items()
                                if name.lower() not in VERSION_HEADERS}
        return "invalid UTF-8 in JSON body: 400 badRequest, not 500"
    if (expected.status == 500 and expected.body_format != "json"
            and re.search(r"%[89a-fA-F][0-9a-fA-F]", request.path)):
        compare.expect_json_client_error(expected)
        return "non-UTF-8 percent-encoding in path: 4xx JSON fault, not bare 500"
    if expected.status == 500 and "ProcessExecutionError" in fault_message(expected):
        # openssl refused the certificate's subject (a user id longer than a CN may be).
        compare.expect_bad_request(expected)
        return "x509 generation refused for the user id: 400 badRequest, not 500"
    if expected.status == 500 and "DBInvalidUnicodeParameter" in fault_message(expected):
        compare.expect_bad_request(expected)
        return "user_id with a lone surrogate: 400 badRequest, not 500"
    if ("path-utf8" in request.tags or any(ord(c) > 127 for c in request.path)
            or re.search(r"%[89a-fA-F][0-9a-fA-F]", request.path)):
        before = json.dumps(expected.body)
        raw_path = request.path.split("?", 1)[0].encode("utf-8")
        path = urllib.parse.unquote_to_bytes(raw_path).decode("latin-1")
        compare.expect_utf8_path_decoding(expected, [seg for seg in path.split("/") if seg])
        if json.dumps(expected.body) != before:
            return "UTF-8 path decoded as UTF-8, not latin-1"
    if (expected.status == 400 and compare.X509_ERROR_MARKER in fault_message(expected)
            and "badRequest" in expected.body):
        compare.expect_x509_message_prefix(expected)
        return "x509 error: own text after 'Error message: '"
    return None


# --------------------------------------------------------------------------- running

def send(port: int, request: Request, timeout: float) -> tuple[Optional[ActualResponse], str]:
    try:
        return exchange(port, request.raw(f"127.0.0.1:{port}"), request.method, timeout), ""
    except ExchangeError as error:
        return None, str(error)


def show_answer(label: str, answer: Optional[ActualResponse], error: str) -> str:
    if answer is None:
        return f"  {label}: no answer ({error})"
    lines = [f"  {label}: {answer.status} {answer.reason}"]
    lines += [f"      {name}: {value}" for name, value in answer.headers]
    lines.append(f"      body: {compare.short(answer.body, 700)}")
    return "\n".join(lines)


def start_both(binary: str, server: str) -> tuple[NovaApi, Keypaird]:
    nova = NovaApi(quota=5, server=server)
    keypaird = Keypaird(binary, extra_config=KEYPAIRD_CONFIG)
    errors = []

    def start_nova():
        try:
            nova.start()
        except Exception as error:  # reported below
            errors.append(error)

    thread = threading.Thread(target=start_nova)
    thread.start()
    try:
        keypaird.start()
    finally:
        thread.join()
    if errors:
        keypaird.cleanup()
        nova.cleanup()
        raise errors[0]
    return nova, keypaird


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default="build/keypaird")
    parser.add_argument("--seed", default="1",
                        help="an integer, or 'fresh' for a new random one (printed)")
    parser.add_argument("--count", type=int, default=1500)
    parser.add_argument("--only", type=int, help="replay request N alone (1-based)")
    parser.add_argument("--show", type=int, help="print request N and exit (no servers)")
    parser.add_argument("--max-shown", type=int, default=40,
                        help="print at most this many differences in full (default 40)")
    parser.add_argument("--server", choices=("eventlet", "uwsgi"), default="eventlet",
                        help="how nova-api is served (nova_api_server.py; default eventlet)")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--json-report", help="write the per-kind counts here")
    args = parser.parse_args(argv)
    args.seed = (int.from_bytes(os.urandom(4), "big") if args.seed == "fresh"
                 else int(args.seed))
    return args


def run(args) -> int:
    requests = generate(args.seed, max(args.count, args.only or 0, args.show or 0))
    if args.show:
        try:
            print(f"seed {args.seed} #{args.show}:\n{requests[args.show - 1].describe()}")
        except BrokenPipeError:
            pass
        return 0
    if not nova_available():
        print("differential: nova-api is not installed (scripts/install-deps.sh)", file=sys.stderr)
        return 1
    began = time.monotonic()
    nova, keypaird = start_both(args.binary, args.server)
    print(f"differential: nova-api {nova_version()} ({args.server}) at {nova.base_url}, "
          f"up in {nova.timings.get('total', 0):.1f} s (db sync {nova.timings.get('db_sync', 0):.1f}"
          f" s); keypaird at 127.0.0.1:{keypaird.port}; seed {args.seed}", flush=True)
    generated = Generated()
    seen_ids: set[str] = set()
    nova_base = nova.base_url
    keypaird_base = f"http://127.0.0.1:{keypaird.port}"
    kinds = collections.Counter()
    differing = collections.Counter()
    divergences = collections.Counter()
    shown = 0
    checked = 0
    try:
        positions = range(1, len(requests) + 1)
        if args.only:
            positions = [p for p in range(1, args.only) if requests[p - 1].method not in UNCHANGING]
            positions.append(args.only)
        for position in positions:
            request = requests[position - 1]
            check = not args.only or position == args.only
            nova_answer, nova_error = send(nova.port, request, args.timeout)
            ours, our_error = send(keypaird.port, request, args.timeout)
            if not check:
                if nova_answer is not None and nova_answer.body:
                    try:
                        generated.learn(json.loads(nova_answer.body))
                    except ValueError:
                        pass
                continue
            checked += 1
            kinds[request.kind] += 1
            problems: list[str] = []
            applied = None
            if nova_answer is None:
                problems = [f"nova-api gave no answer: {nova_error}"]
            elif ours is None:
                problems = [f"keypaird gave no answer: {our_error}"]
            else:
                expected = expectation_from_nova(nova_answer, nova_base, generated)
                applied = divergence(request, expected)
                if applied:
                    divergences[applied] += 1
                problems = compare.compare(expected, ours, keypaird_base, seen_ids)
            if problems:
                differing[request.kind] += 1
                if shown < args.max_shown:
                    shown += 1
                    print(f"\nDIFFERENCE seed {args.seed} #{position} [{request.kind}]"
                          + (f" (divergence applied: {applied})" if applied else ""))
                    print("  request: " + request.describe().replace("\n", "\n  "))
                    for problem in problems:
                        print(f"  - {problem}")
                    print(show_answer("nova-api", nova_answer, nova_error))
                    print(show_answer("keypaird", ours, our_error))
                    print(f"  replay alone: python3 tests/differential/run.py --binary "
                          f"{args.binary} --seed {args.seed} --count {args.count} "
                          f"--only {position}", flush=True)
            if not keypaird.process or keypaird.process.poll() is not None:
                print(f"!!! keypaird exited at #{position}\n{keypaird.read_log()[-3000:]}")
                differing["keypaird-exited"] += 1
                break
            if not nova.alive():
                print(f"!!! nova-api exited at #{position}\n{nova.read_nova_log(tail=40)}")
                differing["nova-exited"] += 1
                break
    finally:
        keypaird.cleanup()
        nova.cleanup()
    total = sum(differing.values())
    print(f"\ndifferential: seed {args.seed}: {checked} requests checked, {total} differences, "
          f"{time.monotonic() - began:.0f} s")
    for kind in sorted(kinds):
        mark = f"  {differing[kind]} differ" if differing[kind] else ""
        print(f"    {kind:<28} {kinds[kind]:>5}{mark}")
    for what, count in sorted(divergences.items()):
        print(f"    divergence applied {count:>4}x: {what}")
    if args.json_report:
        Path(args.json_report).write_text(json.dumps(
            {"seed": args.seed, "checked": checked, "differences": dict(differing),
             "kinds": dict(kinds), "divergences": dict(divergences)}, indent=1))
    return 0 if total == 0 else 1


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        return run(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
