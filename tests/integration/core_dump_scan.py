"""Looks for private key material in core dumps: takes a core of a running process with gcore
(which, like the kernel, leaves out mappings marked MADV_DONTDUMP: the 'dd' flag in smaps) and
searches it for the numbers of RSA private keys, as OpenSSL's BIGNUMs hold them in memory
(little-endian 64-bit limbs, least significant first, which on x86-64 is the number's
little-endian bytes) and as DER and most serialisations write them (big-endian)."""

import os
import shutil
import subprocess

from cryptography.hazmat.primitives.serialization import load_pem_private_key

# A value counts as present when any WINDOW consecutive bytes of it are: a copy of part of a
# number is as much a leak as a copy of all of it, and 32 random bytes occur by chance never.
WINDOW = 32


def sanitized_build(binary):
    """An AddressSanitizer build maps terabytes of shadow memory: a core of it fills the disk
    (73 GB seen on CI's machine), so the core tests run in the normal build only."""
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


def gcore_available():
    return shutil.which("gcore") is not None and shutil.which("gdb") is not None


def take_core(pid, directory):
    """Writes a core of process `pid` into `directory` with gcore and returns its path."""
    prefix = os.path.join(directory, "core")
    out = subprocess.run(["gcore", "-o", prefix, str(pid)], capture_output=True, text=True,
                         timeout=300)
    path = f"{prefix}.{pid}"
    if out.returncode != 0 or not os.path.exists(path):
        raise RuntimeError(f"gcore failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return path


def private_values(pem):
    """The secret numbers of a PEM RSA private key: name -> int."""
    key = load_pem_private_key(pem.encode(), password=None)
    n = key.private_numbers()
    return {"p": n.p, "q": n.q, "d": n.d, "dmp1": n.dmp1, "dmq1": n.dmq1, "iqmp": n.iqmp}


def encodings(value):
    """(label, bytes) for each way a number sits in memory."""
    size = (value.bit_length() + 7) // 8
    return [("little-endian", value.to_bytes(size, "little")),
            ("big-endian", value.to_bytes(size, "big"))]


def windows(data):
    """Non-overlapping WINDOW-byte pieces covering `data` (the last one flush with its end)."""
    starts = list(range(0, max(len(data) - WINDOW, 0) + 1, WINDOW))
    if starts[-1] + WINDOW < len(data):
        starts.append(len(data) - WINDOW)
    return [data[s:s + WINDOW] for s in starts]


def find_key_material(core, pems):
    """What of the keys' secret numbers is in `core` (bytes): a list of
    (key index, value name, encoding, bytes of that value found). Empty when none is."""
    found = []
    for index, pem in enumerate(pems):
        for name, value in private_values(pem).items():
            for label, data in encodings(value):
                pieces = windows(data)
                present = sum(1 for piece in pieces if piece in core)
                if present:
                    found.append((index, name, label, present * WINDOW))
    return found


def find_pem_lines(core, pems):
    """How many 64-column base64 lines of the PEM texts are in `core`."""
    count = 0
    for pem in pems:
        lines = [l for l in pem.splitlines() if len(l) == 64]
        count += sum(1 for line in lines if line.encode() in core)
    return count


def read_core(path):
    """The core's bytes without its all-zero pages (most of a core: reserved, untouched thread
    stacks), which cannot hold a key; a gap leaves a zero byte so no match spans it."""
    page = 1 << 16
    zero = bytes(page)
    kept = []
    with open(path, "rb") as f:
        while True:
            chunk = f.read(page)
            if not chunk:
                break
            if chunk == zero[:len(chunk)]:
                if kept and kept[-1] != b"\0":
                    kept.append(b"\0")
                continue
            kept.append(chunk)
    return b"".join(kept)


def public_modulus(pem):
    return load_pem_private_key(pem.encode(), password=None).private_numbers().public_numbers.n


def wait_for_full_pool(server, size, token, timeout=300):
    """Polls /metrics (served on the API port to `token`) until the key pool holds `size` keys.
    The pool fills at idle CPU priority, so on a busy machine this can take a while."""
    import re
    import time
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, _, body = server.request("GET", "/metrics",
                                         headers={"Authorization": "Bearer " + token})
        if status == 200:
            m = re.search(rb"^keypaird_key_pool_size (\S+)$", body, re.M)
            if m and float(m.group(1)) >= size:
                return
        time.sleep(0.1)
    raise AssertionError(f"the key pool did not reach {size} keys in {timeout} s")
