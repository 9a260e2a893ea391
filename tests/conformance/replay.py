#!/usr/bin/env python3
"""Nova conformance replay: sends the 927 requests recorded from a real nova-api (Zed, 26.2.2)
to a freshly started keypaird, in file-number order, and compares every answer with Nova's.

    python3 tests/conformance/replay.py --binary build/keypaird [--only 001,045,100-120]
                                        [--verbose] [--keep-going] [--write-known-failures]
                                        [--postgres | --mariadb | --mariadb-nova |
                                         --database-url URL]

Recordings live in tests/conformance/recordings/ (bodies over 4 KiB in recordings/bodies/);
comparison rules are in compare.py; deliberate differences from Nova are in the DIVERGENCES
table below and in DIVERGENCES.md. known_failures.txt is a ratchet: the run fails when a
recording not listed there fails, and also when a listed one passes, so the list only shrinks.

Notes:
- keypaird runs from a temporary directory with its own config (CONFIG_TEMPLATE: noauth2,
  max_microversion 2.93, key_pairs quota 5, a fresh SQLite file), on a free port.
  --postgres replays against a throwaway PostgreSQL server instead (started and stopped by
  tests/integration/postgres_server.py), --mariadb against a throwaway MariaDB server
  (tests/integration/mariadb_server.py); --mariadb-nova against Nova's own key_pairs table on
  such a server (made by the real `nova-manage api_db sync`; keypaird with [database] schema =
  nova_api), with the per-mode list known_failures_nova_api.txt on top of the ratchet;
  --database-url uses a given, empty database.
- Requests go over raw sockets, one fresh connection per request, byte for byte as recorded
  (method, raw path, headers in recorded order, body) plus only the Host header HTTP/1.1
  requires. Every recording is replayed, in order, whatever failed before (state carries over).
- A recording marked "skipped" (804: Nova's list gave no next link to follow) sends nothing; it
  passes when our previous answer offered no next link either.
- Nova's recorder emptied users between scenarios through the API, and those requests are not
  in the recordings. resets.txt (derived from the recordings by derive_resets.py) says where:
  before each recording listed there, the harness empties, as admin, every user seen in the
  requests replayed so far except the line's keep= users: GET ?user_id=<u>&limit=1000 at 2.35,
  then DELETE /os-keypairs/<name>?user_id=<u> at 2.10 for each key. A failed cleanup request is
  reported as a harness error and fails the recording that follows.
- If keypaird exits mid-run the harness says so loudly (with its stderr tail) and the run fails;
  the rest is not replayed unless --keep-going, which restarts it on the same database.
Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402  (sibling module)
from compare import ActualResponse, Expectation  # noqa: E402

# ============================================================================================
# DIVERGENCES: recordings where keypaird deliberately does NOT copy Nova (see DIVERGENCES.md).
# Each entry adjusts the recorded expectation before comparing.
# ============================================================================================
DIVERGENCES: dict[str, tuple[Callable[[Expectation], Expectation], str]] = {
    # Invalid UTF-8 inside a JSON request body: Nova 500 computeFault -> keypaird 400 badRequest.
    "518": (compare.expect_bad_request, "invalid UTF-8 in JSON body: 400 badRequest, not 500"),
    "536": (compare.expect_bad_request, "invalid UTF-8 in JSON body: 400 badRequest, not 500"),
    # '%ff' (not UTF-8) in the path: Nova a bare 500 with an empty body -> keypaird any 4xx
    # with a Nova-format JSON fault.
    "870": (compare.expect_json_client_error, "%ff in path: 4xx JSON fault, not bare 500"),
    "889": (compare.expect_json_client_error, "%ff in path: 4xx JSON fault, not bare 500"),
    # Percent-encoded UTF-8 in the path: Nova decodes it as latin-1 (mojibake in the message)
    # -> keypaird decodes UTF-8, so the message carries the real name.
    "871": (compare.expect_utf8_path_decoding, "UTF-8 path decoded as UTF-8, not latin-1"),
    "890": (compare.expect_utf8_path_decoding, "UTF-8 path decoded as UTF-8, not latin-1"),
    # Unparsable x509 certificate: Nova's message ends with pyca/cryptography's internal text
    # -> keypaird keeps Nova's text up to and including "Error message: ", then its own reason.
    **{number: (compare.expect_x509_message_prefix, "x509 error: own text after 'Error message: '")
       for number in ("268", "269", "270", "271", "272", "273", "277", "278", "279")},
}

HERE = Path(__file__).resolve().parent
RECORDINGS_DIR = HERE / "recordings"
BODIES_DIR = RECORDINGS_DIR / "bodies"
KNOWN_FAILURES_FILE = HERE / "known_failures.txt"
# What Nova's own key_pairs table makes different by its nature (case-insensitive names,
# whole-second created_at): expected failures of --mariadb-nova only, with the reasons. A ratchet
# too: each must fail, and nothing else may.
NOVA_API_KNOWN_FAILURES_FILE = HERE / "known_failures_nova_api.txt"
RESETS_FILE = HERE / "resets.txt"

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 10.0      # seconds until GET / must answer
STOP_GRACE = 5.0            # seconds between terminate and kill
MAX_HEAD_BYTES = 64 * 1024  # status line + headers
NO_BODY_WAIT = 0.05         # seconds to watch for stray bytes after a bodiless response
CRASH_GRACE = 3.0           # seconds to let keypaird finish dying after a request got no answer

CONFIG_TEMPLATE = """\
[DEFAULT]
osapi_compute_listen = {host}
osapi_compute_listen_port = {port}
state_path = {tmp}
[api]
auth_strategy = noauth2
max_microversion = 2.93
[quota]
key_pairs = 5
[database]
connection = {database_url}
schema = {schema}
[keypaird]
# Nova has no size cap of its own; recording 253 imports a 20,000-byte key. The replay checks
# Nova's acceptance set, so the cap (16 KiB by default, see DIVERGENCES.md) is set to the
# body limit here; tests/regression covers the default.
max_public_key_size = 114688
"""

KNOWN_FAILURES_HEADER = """\
# Nova conformance recordings keypaird does not match yet: the ratchet of replay.py.
# One per line: <number>_<name>  # reason. The run fails when a recording NOT listed here
# fails, and also when a listed one passes, so this list only ever shrinks.
# Regenerate: python3 tests/conformance/replay.py --binary <keypaird> --write-known-failures
"""


class HarnessError(Exception):
    """A failure of the run itself (server won't start, bad recordings), not of a recording."""


class ExchangeError(Exception):
    """No usable HTTP response: refused, reset, timed out, or not HTTP."""


# --------------------------------------------------------------------------- recordings

@dataclass
class Recording:
    number: str   # "001"
    stem: str     # file name without ".json", e.g. "001_discovery-root" (names made file-safe)
    data: dict

    @property
    def key(self) -> str:
        """How known_failures.txt and the report name this recording."""
        return self.stem

    @property
    def skipped(self) -> Optional[str]:
        """Why the recorder sent nothing for this one (e.g. no next link to follow)."""
        return self.data.get("skipped")

    @property
    def method(self) -> str:
        return self.data["request"]["method"]


def request_body(recording: Recording) -> Optional[bytes]:
    """The exact request body bytes, or None when the recording sent no body."""
    request = recording.data["request"]
    body_format, body = request["body_format"], request["body"]
    if body_format == "none":
        return None
    if body_format == "json":
        return json.dumps(body).encode("utf-8")
    if isinstance(body, str):
        return body.encode("utf-8")
    if "_bytes_base64" in body:
        return base64.b64decode(body["_bytes_base64"])
    if body.get("_abbreviated"):
        data = (BODIES_DIR / f"{recording.key}.body").read_bytes()
        if len(data) != body["length"] or hashlib.sha256(data).hexdigest() != body["sha256"]:
            raise HarnessError(f"{recording.key}: bodies/{recording.key}.body fails its sha256")
        return data
    raise HarnessError(f"{recording.key}: unknown raw body form {sorted(body)}")


def build_request(recording: Recording, port: int) -> bytes:
    """The request as bytes. Host is the only header added: HTTP/1.1 requires it, Nova built
    <base_url> from it, and no recording sets it itself."""
    request = recording.data["request"]
    lines = [f"{request['method']} {request['path']} HTTP/1.1", f"Host: {HOST}:{port}"]
    lines += [f"{name}: {value}" for name, value in request["headers"]]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    return head + (request_body(recording) or b"")


def parse_only(spec: str) -> set[int]:
    """'1,045,100-120' -> {1, 45, 100, ..., 120}."""
    numbers: set[int] = set()
    for part in filter(None, (item.strip() for item in spec.split(","))):
        if re.fullmatch(r"\d+-\d+", part):
            low, high = (int(x) for x in part.split("-"))
            numbers.update(range(low, high + 1))
        elif part.isdigit():
            numbers.add(int(part))
        else:
            raise HarnessError(f"--only: cannot read {part!r}")
    return numbers


def load_recordings() -> list[Recording]:
    """All recordings in file-number order, checked against index.json."""
    index = json.loads((RECORDINGS_DIR / "index.json").read_text())
    files = sorted(RECORDINGS_DIR.glob("[0-9][0-9][0-9]_*.json"))
    if len(files) != len(index):
        raise HarnessError(f"{len(files)} recording files but index.json lists {len(index)}")
    recordings = []
    for position, (path, (indexed_name, _status)) in enumerate(zip(files, index), start=1):
        number = path.name[:3]
        data = json.loads(path.read_text(encoding="utf-8"))
        if int(number) != position or data["name"] != indexed_name:
            raise HarnessError(f"{path.name} does not match index.json entry {position}")
        recordings.append(Recording(number, path.stem, data))
    return recordings


# --------------------------------------------------------------------------- raw HTTP

class Connection:
    """A client socket with a read buffer and an overall deadline."""

    def __init__(self, port: int, timeout: float):
        self.deadline = time.monotonic() + timeout
        self.buffer = b""
        self.eof = False
        try:
            self.sock = socket.create_connection((HOST, port), timeout=timeout)
        except OSError as error:
            raise ExchangeError(f"cannot connect: {error}") from None

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # also unblocks a sender still in sendall
        except OSError:
            pass
        self.sock.close()

    def fill(self) -> bool:
        """Reads more bytes into the buffer; False at end of stream."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise ExchangeError("timed out waiting for the response")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise ExchangeError("timed out waiting for the response") from None
        except OSError as error:
            raise ExchangeError(f"connection error while reading: {error}") from None
        if not chunk:
            self.eof = True
            return False
        self.buffer += chunk
        return True

    def read_until(self, marker: bytes, limit: int) -> bytes:
        while marker not in self.buffer:
            if len(self.buffer) > limit:
                raise ExchangeError(f"no {marker!r} within {limit} bytes: {self.buffer[:60]!r}")
            if not self.fill():
                if not self.buffer:
                    raise ExchangeError("connection closed without a response")
                raise ExchangeError(f"connection closed mid-response after {self.buffer[:60]!r}")
        data, self.buffer = self.buffer.split(marker, 1)
        return data

    def read_exact(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self.fill():
                raise ExchangeError(f"connection closed after {len(self.buffer)} of {size} "
                                    "body bytes")
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def read_to_close(self) -> bytes:
        while self.fill():
            pass
        data, self.buffer = self.buffer, b""
        return data

    def stray_bytes(self, wait: float) -> bytes:
        """Bytes that arrive within `wait` seconds (a bodiless response must have none)."""
        if self.buffer or self.eof:
            return self.buffer
        self.sock.settimeout(wait)
        try:
            return self.sock.recv(4096)
        except (socket.timeout, OSError):
            return b""


STATUS_LINE_RE = re.compile(rb"HTTP/1\.[01] (\d{3})(?: (.*))?")
HEADER_NAME_RE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def read_head(conn: Connection) -> tuple[int, str, list[tuple[str, str]]]:
    """Status code, reason and headers of one response."""
    head = conn.read_until(b"\r\n\r\n", MAX_HEAD_BYTES)
    status_line, *header_lines = head.split(b"\r\n")
    match = STATUS_LINE_RE.fullmatch(status_line)
    if not match:
        raise ExchangeError(f"not an HTTP status line: {status_line[:80]!r}")
    headers = []
    for line in header_lines:
        name, colon, value = line.partition(b":")
        if not colon or not HEADER_NAME_RE.fullmatch(name):
            raise ExchangeError(f"malformed header line: {line[:80]!r}")
        headers.append((name.decode("latin-1"), value.strip().decode("latin-1")))
    return int(match.group(1)), (match.group(2) or b"").decode("latin-1"), headers


def read_chunked(conn: Connection) -> bytes:
    body = b""
    while True:
        size_line = conn.read_until(b"\r\n", 1024).split(b";")[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError:
            raise ExchangeError(f"bad chunk size {size_line[:40]!r}") from None
        if size == 0:
            while conn.read_until(b"\r\n", MAX_HEAD_BYTES):  # trailers, then a blank line
                pass
            return body
        body += conn.read_exact(size)
        if conn.read_exact(2) != b"\r\n":
            raise ExchangeError("chunk not followed by CRLF")


def read_response(conn: Connection, method: str) -> ActualResponse:
    status, reason, headers = read_head(conn)
    while 100 <= status < 200:  # skip interim responses
        status, reason, headers = read_head(conn)
    values = {name.lower(): value for name, value in headers}
    if method == "HEAD" or status in (204, 304):
        stray = conn.stray_bytes(NO_BODY_WAIT)
        if stray:
            raise ExchangeError(f"{status} answer to {method} followed by bytes {stray[:40]!r}")
        body = b""
    elif "chunked" in values.get("transfer-encoding", "").lower():
        body = read_chunked(conn)
    elif "content-length" in values:
        lengths = {value for name, value in headers if name.lower() == "content-length"}
        if len(lengths) != 1 or not values["content-length"].isdigit():
            raise ExchangeError(f"unusable Content-Length {sorted(lengths)!r}")
        body = conn.read_exact(int(values["content-length"]))
    else:
        body = conn.read_to_close()
    return ActualResponse(status, reason, headers, body)


def exchange(port: int, raw_request: bytes, method: str, timeout: float) -> ActualResponse:
    """Sends one request on a fresh connection and reads the answer. The request is sent from
    a thread so that a server answering before reading a large body cannot deadlock us."""
    conn = Connection(port, timeout)
    send_errors: list[OSError] = []

    def send() -> None:
        try:
            conn.sock.sendall(raw_request)
        except OSError as error:  # e.g. the server answered 413 and closed
            send_errors.append(error)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        return read_response(conn, method)
    except ExchangeError as error:
        if send_errors:
            raise ExchangeError(f"{error} (sending failed: {send_errors[0]})") from None
        raise
    finally:
        conn.close()
        sender.join(timeout=1.0)


# --------------------------------------------------------------------------- the server

# keypaird's start-up line on stderr names the port it bound (it starts on port 0).
LISTENING = re.compile(r"listening on http://\S+:(\d+) ")


def make_die_with_parent() -> Optional[Callable[[], None]]:
    """A preexec_fn asking Linux to SIGTERM keypaird if this harness dies, even by SIGKILL
    (e.g. a test-runner timeout), so no server is left behind. Prepared in the parent so the
    child only makes one foreign call between fork and exec. None where prctl is missing; the
    try/finally in run() still stops the server there."""
    try:
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1
    return lambda: prctl(pr_set_pdeathsig, int(signal.SIGTERM))


DIE_WITH_PARENT = make_die_with_parent()


class Server:
    """keypaird started on a private config and database in a temporary directory, on port 0
    (the kernel picks a free port, keypaird logs it: no race with tests running in parallel);
    a restart reuses the port of the first start."""

    def __init__(self, binary: str, tmp: Path, database_url: Optional[str] = None,
                 schema: str = "keypaird"):
        self.binary = binary
        self.schema = schema
        self.tmp = tmp
        self.port: Optional[int] = None
        self.config = tmp / "keypaird.conf"
        self.database_url = database_url or f"sqlite:///{tmp}/keypaird.sqlite"
        self.stderr_path = tmp / "keypaird.stderr"
        self.process: Optional[subprocess.Popen] = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        self.config.write_text(CONFIG_TEMPLATE.format(
            host=HOST, port=self.port or 0, tmp=self.tmp, database_url=self.database_url,
            schema=self.schema))
        self.stderr_offset = self.stderr_path.stat().st_size if self.stderr_path.exists() else 0
        with open(self.tmp / "keypaird.stdout", "ab") as out, open(self.stderr_path, "ab") as err:
            try:
                self.process = subprocess.Popen(
                    [self.binary, "--config-file", str(self.config)],
                    stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=self.tmp,
                    preexec_fn=DIE_WITH_PARENT)
            except OSError as error:
                raise HarnessError(f"cannot start {self.binary}: {error}") from None
        self.wait_until_answering()

    def bound_port(self) -> Optional[int]:
        """The port named by this start's "listening on" line, once keypaird has written it."""
        with open(self.stderr_path, "rb") as f:
            f.seek(self.stderr_offset)
            found = LISTENING.search(f.read().decode("utf-8", "replace"))
        return int(found.group(1)) if found else None

    def wait_until_answering(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        last_error = "no attempt"
        while time.monotonic() < deadline:
            if not self.alive():
                raise HarnessError(f"keypaird exited during startup with code "
                                   f"{self.process.returncode}\n{self.stderr_tail()}")
            if self.port is None:
                self.port = self.bound_port()
                if self.port is None:
                    last_error = "no \"listening on\" line yet"
                    time.sleep(0.02)
                    continue
            probe = f"GET / HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n\r\n".encode()
            try:
                exchange(self.port, probe, "GET", timeout=1.0)
                return
            except ExchangeError as error:
                last_error = str(error)
            time.sleep(0.1)
        raise HarnessError(f"keypaird did not answer GET / within {STARTUP_TIMEOUT:.0f} s "
                           f"({last_error})\n{self.stderr_tail()}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def exits_within(self, seconds: float) -> bool:
        """After a request got no answer: give a crashing keypaird (abort, core dump) time to
        actually exit, so the crash is reported at the request that caused it."""
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def stderr_tail(self, lines: int = 30) -> str:
        try:
            text = self.stderr_path.read_text(errors="replace")
        except OSError:
            return "(no stderr)"
        tail = text.splitlines()[-lines:]
        if not tail:
            return "(stderr empty)"
        return "--- keypaird stderr (last lines) ---\n" + "\n".join(tail)

    def stop(self) -> None:
        if not self.alive():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --------------------------------------------------------------------------- checking

def has_next_link(response: Optional[ActualResponse]) -> bool:
    """Whether a list response offers a rel=next link (the recorder followed those)."""
    if response is None:
        return False
    try:
        body = json.loads(response.body)
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    return any(isinstance(link, dict) and link.get("rel") == "next"
               for key, links in body.items() if key.endswith("_links") and isinstance(links, list)
               for link in links)


def expectation_for(recording: Recording) -> Expectation:
    expected = compare.expectation_from_recording(recording.data["response"])
    divergence = DIVERGENCES.get(recording.number)
    return divergence[0](expected) if divergence else expected


@dataclass
class Outcome:
    recording: Recording
    problems: list[str]
    actual: Optional[ActualResponse] = None

    @property
    def passed(self) -> bool:
        return not self.problems


def replay_one(recording: Recording, server: Server, previous: Optional[ActualResponse],
               seen_request_ids: set[str], timeout: float) -> Outcome:
    if recording.skipped:
        # Nova's recorder sent nothing here ("no next link to follow"); we match when our
        # previous answer gave no next link either.
        if has_next_link(previous):
            return Outcome(recording, [f"recording skipped ({recording.skipped}) but our "
                                       "previous answer has a next link"])
        return Outcome(recording, [])
    raw = build_request(recording, server.port)
    try:
        actual = exchange(server.port, raw, recording.method, timeout)
    except ExchangeError as error:
        return Outcome(recording, [f"no response: {error}"])
    problems = compare.compare(expectation_for(recording), actual, server.base_url,
                               seen_request_ids)
    return Outcome(recording, problems, actual)


# --------------------------------------------------------------------------- cleanups

CLEANUP_TOKEN = "admin:admin"
CLEANUP_PAGE = 1000  # [api] max_limit


@dataclass
class Reset:
    """A line of resets.txt: before `stem`, empty every user seen so far except `keep`."""
    stem: str
    keep: frozenset[str]
    reason: str


def read_resets(path: Path, all_keys: set[str]) -> list[Reset]:
    resets = []
    if not path.exists():
        return resets
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        entry, _, reason = line.partition("#")
        words = entry.split()
        if not words:
            continue
        keep: set[str] = set()
        for word in words[1:]:
            if not word.startswith("keep="):
                raise HarnessError(f"{path.name}:{number}: cannot read {word!r}")
            keep.update(user for user in word[len("keep="):].split(",") if user)
        if words[0] not in all_keys:
            raise HarnessError(f"{path.name}:{number}: no recording {words[0]!r}")
        resets.append(Reset(words[0], frozenset(keep), reason.strip()))
    return resets


def check_resets_derived() -> None:
    """resets.txt must be exactly what derive_resets.py makes of the recordings."""
    import derive_resets  # noqa: E402  (sibling module)
    try:
        recordings = derive_resets.load_recordings(RECORDINGS_DIR)
        expected = derive_resets.render(derive_resets.derive(recordings), recordings)
    except ValueError as error:
        raise HarnessError(f"derive_resets.py cannot explain the recordings: {error}") from None
    actual = RESETS_FILE.read_text(encoding="utf-8") if RESETS_FILE.exists() else ""
    if actual != expected:
        raise HarnessError(f"{RESETS_FILE.name} is not what derive_resets.py derives from the "
                           "recordings; run: python3 tests/conformance/derive_resets.py")


def users_in_request(recording: Recording) -> set[str]:
    """Every user id a request names: the token user, ?user_id= values, keypair.user_id."""
    if recording.skipped:
        return set()
    request = recording.data["request"]
    users = set()
    for name, value in request["headers"]:
        if name.lower() == "x-auth-token":
            users.add(value.partition(":")[0])
    query = request["path"].partition("?")[2]
    users.update(value for name, value in parse_qsl(query, keep_blank_values=True)
                 if name == "user_id")
    try:
        body = json.loads(request_body(recording) or b"null")
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("keypair"), dict):
        user_id = body["keypair"].get("user_id")
        if isinstance(user_id, str):
            users.add(user_id)
    users.discard("")  # cannot be addressed with ?user_id= (empty means the caller)
    return users


def percent_encode(text: str) -> str:
    """Every byte but ASCII letters, digits, '-', '_' and '~' as %XX ('.' too, so that '.' and
    '..' names are not dot segments)."""
    safe = b"-_~"
    return "".join(chr(byte) if (chr(byte).isascii() and chr(byte).isalnum()) or byte in safe
                   else f"%{byte:02X}" for byte in text.encode("utf-8"))


def admin_exchange(server: Server, method: str, target: str, version: str,
                   timeout: float) -> ActualResponse:
    raw = (f"{method} {target} HTTP/1.1\r\nHost: {HOST}:{server.port}\r\n"
           f"X-Auth-Token: {CLEANUP_TOKEN}\r\nOpenStack-API-Version: compute {version}\r\n"
           f"Accept: application/json\r\n\r\n").encode("utf-8")
    return exchange(server.port, raw, method, timeout)


def empty_users(server: Server, users: set[str], timeout: float) -> tuple[int, list[str]]:
    """Empties each user through the API as the recorder did. (keys deleted, problems)."""
    deleted, problems = 0, []
    for user in sorted(users):
        owner = percent_encode(user)
        for _ in range(100):  # one page of up to 1000 keys per round
            target = f"/v2.1/os-keypairs?user_id={owner}&limit={CLEANUP_PAGE}"
            try:
                listing = admin_exchange(server, "GET", target, "2.35", timeout)
            except ExchangeError as error:
                problems.append(f"GET {target}: no response: {error}")
                break
            try:
                names = [item["keypair"]["name"] for item in json.loads(listing.body)["keypairs"]]
            except (ValueError, KeyError, TypeError):
                names = None
            if listing.status != 200 or names is None:
                problems.append(f"GET {target}: {listing.status} "
                                f"{compare.short(listing.body, 120)}")
                break
            for name in names:
                target = f"/v2.1/os-keypairs/{percent_encode(name)}?user_id={owner}"
                try:
                    answer = admin_exchange(server, "DELETE", target, "2.10", timeout)
                except ExchangeError as error:
                    problems.append(f"DELETE {target}: no response: {error}")
                    continue
                if answer.status in (200, 204):
                    deleted += 1
                else:
                    problems.append(f"DELETE {target}: {answer.status} "
                                    f"{compare.short(answer.body, 120)}")
            if len(names) < CLEANUP_PAGE or problems:
                break
    return deleted, problems


# --------------------------------------------------------------------------- the ratchet

def read_known_failures(path: Path) -> dict[str, str]:
    known: dict[str, str] = {}
    if not path.exists():
        return known
    for line in path.read_text(encoding="utf-8").splitlines():
        entry, _, reason = line.partition("#")
        if entry.strip():
            known[entry.strip()] = reason.strip()
    return known


def one_line(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def write_known_failures(path: Path, outcomes: list[Outcome], known: dict[str, str]) -> None:
    """Rewrites the list from this run; entries for recordings not replayed are kept."""
    replayed = {outcome.recording.key for outcome in outcomes}
    entries = {key: reason for key, reason in known.items() if key not in replayed}
    entries.update({outcome.recording.key: one_line(outcome.problems[0])
                    for outcome in outcomes if not outcome.passed})
    width = max((len(key) for key in entries), default=0)
    lines = [f"{key:<{width}}  # {entries[key]}" for key in sorted(entries)]
    path.write_text(KNOWN_FAILURES_HEADER + "\n" + "".join(line + "\n" for line in lines),
                    encoding="utf-8")


# --------------------------------------------------------------------------- main

def report_outcome(outcome: Outcome, known: dict[str, str], verbose: bool) -> None:
    key = outcome.recording.key
    if outcome.passed:
        if verbose:
            print(f"pass {key}")
        return
    label = "FAIL (known)" if key in known else "FAIL (NEW)"
    print(f"{label} {key}")
    shown = outcome.problems if verbose else outcome.problems[:3]
    for problem in shown:
        print(f"    {problem}")
    if len(shown) < len(outcome.problems):
        print(f"    ... and {len(outcome.problems) - len(shown)} more")
    divergence = DIVERGENCES.get(outcome.recording.number)
    if divergence:
        print(f"    (documented divergence, see DIVERGENCES.md: {divergence[1]})")
    if verbose and outcome.actual is not None:
        print(f"    our answer: {outcome.actual.status} {outcome.actual.reason} "
              f"{compare.short(outcome.actual.body, 300)}")


def run(args: argparse.Namespace) -> int:
    only = parse_only(args.only) if args.only else None
    every_recording = load_recordings()
    all_keys = {recording.key for recording in every_recording}
    recordings = [r for r in every_recording if only is None or int(r.number) in only]
    known = read_known_failures(KNOWN_FAILURES_FILE)
    if args.mariadb_nova:
        known.update(read_known_failures(NOVA_API_KNOWN_FAILURES_FILE))
    check_resets_derived()
    resets = read_resets(RESETS_FILE, all_keys)
    reset_at = {int(reset.stem[:3]): reset for reset in resets}

    database_server = None  # a throwaway PostgreSQL or MariaDB server, when asked for
    database_url = args.database_url
    if args.postgres or args.mariadb or args.mariadb_nova:
        sys.path.insert(0, str(HERE.parent / "integration"))
        # Only these modes need the helpers.
        from mariadb_server import MariadbServer  # noqa: E402
        from postgres_server import PostgresServer  # noqa: E402
        kind = "PostgreSQL" if args.postgres else "MariaDB"
        database_server = PostgresServer() if args.postgres else MariadbServer()
        try:
            database_server.start()
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            database_server.cleanup()
            raise HarnessError(f"cannot start {kind}: {error}") from None
        database_url = database_server.url()
        if args.mariadb_nova:
            began = time.monotonic()
            try:
                database_url = database_server.nova_api_database()
            except (RuntimeError, OSError, subprocess.SubprocessError) as error:
                database_server.cleanup()
                raise HarnessError(str(error)) from None
            print(f"nova-manage api_db sync: {time.monotonic() - began:.1f} s", flush=True)
    try:
        return replay_all(args, recordings, known, all_keys, reset_at, database_url)
    finally:
        if database_server:
            database_server.cleanup()


def replay_all(args: argparse.Namespace, recordings: list[Recording], known: dict[str, str],
               all_keys: set[str], reset_at: dict, database_url: Optional[str]) -> int:
    outcomes: list[Outcome] = []
    server_died = False
    harness_errors = 0
    with tempfile.TemporaryDirectory(prefix="keypaird-conformance-") as tmp:
        server = Server(args.binary, Path(tmp), database_url,
                        "nova_api" if args.mariadb_nova else "keypaird")
        try:
            server.start()
            previous: Optional[ActualResponse] = None
            seen_request_ids: set[str] = set()
            seen_users: set[str] = set()
            last_number = 0
            for position, recording in enumerate(recordings):
                if server_died and not args.keep_going:
                    outcomes.append(Outcome(recording, ["not run: keypaird had exited"]))
                    continue
                # The recorder's cleanups between last_number and this recording (only one
                # unless --only skips some; then a user is kept only if all of them kept it).
                due = [reset_at[n] for n in range(last_number + 1, int(recording.number) + 1)
                       if n in reset_at]
                last_number = int(recording.number)
                cleanup_problems: list[str] = []
                if due:
                    keep = frozenset.intersection(*(reset.keep for reset in due))
                    deleted, cleanup_problems = empty_users(server, seen_users - keep,
                                                            args.timeout)
                    if args.verbose:
                        print(f"cleanup before {recording.key}: {len(seen_users - keep)} users, "
                              f"{deleted} keys deleted"
                              + (f", kept {','.join(sorted(keep))}" if keep else ""))
                    if cleanup_problems:
                        harness_errors += 1
                        print(f"HARNESS ERROR: the cleanup before {recording.key} failed:")
                        for problem in cleanup_problems[:5]:
                            print(f"    {problem}")
                        if len(cleanup_problems) > 5:
                            print(f"    ... and {len(cleanup_problems) - 5} more")
                seen_users |= users_in_request(recording)
                outcome = replay_one(recording, server, previous, seen_request_ids, args.timeout)
                if cleanup_problems:
                    outcome.problems.insert(0, f"harness: the cleanup before this recording "
                                               f"failed ({one_line(cleanup_problems[0], 80)})")
                outcomes.append(outcome)
                previous = outcome.actual
                report_outcome(outcome, known, args.verbose)
                if outcome.problems and outcome.actual is None and not recording.skipped:
                    server.exits_within(CRASH_GRACE)
                if not server.alive():
                    server_died = True
                    print(f"!!! keypaird EXITED (code {server.process.returncode}) during "
                          f"{recording.key}\n{server.stderr_tail()}", flush=True)
                    if position + 1 == len(recordings):
                        pass
                    elif args.keep_going:
                        print("!!! --keep-going: restarting keypaird on the same database")
                        server.start()
                    else:
                        print(f"!!! the remaining {len(recordings) - position - 1} recordings "
                              "are not run and count as failed (use --keep-going to restart)")
        finally:
            server.stop()

    failed = [outcome for outcome in outcomes if not outcome.passed]
    new = [o.recording.key for o in failed if o.recording.key not in known]
    fixed = [o.recording.key for o in outcomes if o.passed and o.recording.key in known]
    stale = sorted(key for key in known if key not in all_keys)

    print()
    print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    print(f"failures: {len(failed) - len(new)} known, {len(new)} new")
    if server_died:
        print("keypaird exited during the run (see above)")
    if harness_errors:
        print(f"HARNESS ERRORS: {harness_errors} cleanups (resets.txt) failed (see above)")

    if args.write_known_failures:
        if args.mariadb_nova:
            # Only what Nova mode adds: the shared list stays the other modes' ratchet.
            shared = read_known_failures(KNOWN_FAILURES_FILE)
            nova_only = [o for o in outcomes if o.recording.key not in shared]
            target = NOVA_API_KNOWN_FAILURES_FILE
            write_known_failures(target, nova_only,
                                 read_known_failures(NOVA_API_KNOWN_FAILURES_FILE))
        else:
            target = KNOWN_FAILURES_FILE
            write_known_failures(target, outcomes, known)
        print(f"wrote {target}")
        return 1 if server_died or harness_errors else 0

    if new:
        print(f"NEW failures, not in {KNOWN_FAILURES_FILE.name}:")
        for key in new:
            print(f"    {key}")
    if fixed:
        print(f"now passing; remove these lines from {KNOWN_FAILURES_FILE.name}:")
        for key in fixed:
            print(f"    {key}")
    if stale:
        print(f"{KNOWN_FAILURES_FILE.name} lists recordings that do not exist:")
        for key in stale:
            print(f"    {key}")
    ok = not (new or fixed or stale or server_died or harness_errors)
    print("conformance: OK" if ok else "conformance: FAILED")
    return 0 if ok else 1


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True, help="the keypaird executable")
    parser.add_argument("--only", help="replay only these numbers: 1,045,100-120")
    parser.add_argument("--verbose", action="store_true",
                        help="print passes too, and every problem of each failure")
    parser.add_argument("--keep-going", action="store_true",
                        help="if keypaird exits mid-run, restart it on the same database and "
                             "continue (the run still fails) instead of stopping the replay")
    parser.add_argument("--write-known-failures", action="store_true",
                        help=f"rewrite {KNOWN_FAILURES_FILE.name} with this run's failures")
    store = parser.add_mutually_exclusive_group()
    store.add_argument("--postgres", action="store_true",
                       help="replay against a throwaway PostgreSQL server started for the run")
    store.add_argument("--mariadb", action="store_true",
                       help="replay against a throwaway MariaDB server started for the run")
    store.add_argument("--mariadb-nova", action="store_true",
                       help="replay against Nova's key_pairs table (nova-manage api_db sync) on a "
                            "throwaway MariaDB server, keypaird with schema = nova_api")
    store.add_argument("--database-url",
                       help="keypaird's [database] connection, e.g. postgresql://u:p@host/db "
                            "(an empty database; default: a fresh SQLite file)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds allowed per request (default 30)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the finally clauses stop keypaird.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        return run(args)
    except HarnessError as error:
        print(f"conformance harness error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; keypaird stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
