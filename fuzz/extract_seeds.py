#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora (fuzz/corpus/<target>/) from the recorded Nova exchanges in
tests/conformance/recordings: the public keys, request bodies, version headers and request
targets clients really sent. Re-run it when the recordings change; the output is committed."""

import base64
import glob
import hashlib
import json
import os
import re
import shutil

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "fuzz", "corpus")
MAX_SEED_BYTES = 4096  # small seeds keep the corpus readable and the fuzzer fast
MAX_SEEDS = 60


def requests():
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/conformance/recordings/*.json"))):
        with open(path) as f:
            recording = json.load(f)
        if isinstance(recording, dict) and "request" in recording:
            yield recording["request"]


def body_bytes(request):
    body, kind = request.get("body"), request.get("body_format")
    if kind == "json":
        return json.dumps(body).encode()
    if kind == "raw" and isinstance(body, str):
        return body.encode("utf-8", "surrogateescape")
    return None


def write(target, seeds):
    directory = os.path.join(OUT, target)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    unique = sorted({s for s in seeds if len(s) <= MAX_SEED_BYTES}, key=lambda s: (len(s), s))
    for seed in unique[:MAX_SEEDS]:
        name = hashlib.sha1(seed).hexdigest()[:16]
        with open(os.path.join(directory, name), "wb") as f:
            f.write(seed)
    print(f"{target}: {min(len(unique), MAX_SEEDS)} seeds")


def main():
    keys, certificates, bodies, versions, targets = set(), set(), set(), set(), set()
    for request in requests():
        targets.add(request["path"].encode())
        headers = dict((k.lower(), v) for k, v in request["headers"])
        new, legacy = headers.get("openstack-api-version"), headers.get("x-openstack-nova-api-version")
        # The microversion target's input: a flags byte (1: OpenStack-API-Version present,
        # 2: X-OpenStack-Nova-API-Version present), then the two values separated by '\n'.
        flags = (1 if new is not None else 0) | (2 if legacy is not None else 0)
        versions.add(bytes([flags]) + (new or "").encode() + b"\n" + (legacy or "").encode())
        data = body_bytes(request)
        if data is None:
            continue
        bodies.add(data)
        body = request.get("body")
        key = body.get("keypair", {}).get("public_key") if isinstance(body, dict) else None
        if isinstance(key, dict) or not isinstance(key, str):
            continue
        if "CERTIFICATE" in key:
            certificates.add(key.encode())
            # The DER inside, so the fuzzer also starts from the certificate parser directly.
            for block in re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END", key, re.S):
                try:
                    certificates.add(base64.b64decode("".join(block.split())))
                except ValueError:
                    pass
        else:
            keys.add(key.encode("utf-8", "surrogateescape"))
    write("openssh_public_key", keys)
    write("x509_certificate", certificates)
    write("create_body", bodies)
    write("microversion", versions)
    write("url", targets)


if __name__ == "__main__":
    main()
