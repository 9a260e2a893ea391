"""Comparison logic for the Nova conformance replay (used by replay.py and test_compare.py).

A recorded Nova response becomes an `Expectation`; the response keypaird gave becomes an
`ActualResponse`; `compare()` lists every way the two differ (an empty list means a match).

Recorded JSON bodies contain placeholders for values that differ from run to run (the
PLACEHOLDERS table below). Each placeholder is the *whole* value of a JSON string, except
`<base_url>`, which is substituted inside strings. Expectations adjusted for documented
divergences (DIVERGENCES.md; the adjustments are at the end of this file, the table that applies
them is at the top of replay.py) may also hold `Matcher` objects in place of recorded values.

Python 3.11 standard library only.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

BASE_URL_PLACEHOLDER = "<base_url>"
REQUEST_ID_PLACEHOLDER = "<request_id>"
VARIES_PLACEHOLDER = "<varies>"

RSA_PRIVATE_KEY_PLACEHOLDER = (
    "-----BEGIN RSA PRIVATE KEY-----\n<base64>\n-----END RSA PRIVATE KEY-----\n")
PKCS12_PLACEHOLDER = "<base64 DER (PKCS#12), single line>"
SSH_PUBLIC_KEY_PLACEHOLDER = "ssh-rsa <base64> Generated-by-Nova"
CERTIFICATE_PLACEHOLDER = "-----BEGIN CERTIFICATE-----\n<base64>\n-----END CERTIFICATE-----\n"
MD5_FINGERPRINT_PLACEHOLDER = "<fingerprint: md5, 16 colon-separated lowercase hex pairs>"
SHA1_FINGERPRINT_PLACEHOLDER = "<fingerprint: sha1, 20 colon-separated lowercase hex pairs>"
TIMESTAMP_PLACEHOLDER = "<timestamp YYYY-MM-DDThh:mm:ss.ffffff>"
ID_PLACEHOLDER = "<id>"

REQUEST_ID_RE = re.compile(
    r"req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}")
MD5_FINGERPRINT_RE = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){15}")
SHA1_FINGERPRINT_RE = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){19}")
BASE64_RE = re.compile(r"[A-Za-z0-9+/]+={0,2}")
SSH_RSA_GENERATED_RE = re.compile(r"ssh-rsa ([A-Za-z0-9+/]+={0,2}) Generated-by-Nova")

# Response headers the recordings describe. A recorded one must be present with the same
# value; one of ABSENT_UNLESS_RECORDED that the recording lacks must be absent.
ABSENT_UNLESS_RECORDED = (
    "OpenStack-API-Version", "X-OpenStack-Nova-API-Version", "Vary", "Content-Type",
    "Location", "Allow", "WWW-Authenticate", "X-Auth-Token", "X-Server-Management-Url")
REQUEST_ID_HEADERS = ("x-openstack-request-id", "x-compute-request-id")


# --------------------------------------------------------------------------- data types

@dataclass
class ActualResponse:
    """What keypaird answered, as read off the wire."""
    status: int
    reason: str
    headers: list[tuple[str, str]]  # in wire order, names as sent
    body: bytes

    def header_values(self, name: str) -> list[str]:
        lowered = name.lower()
        return [value.strip() for key, value in self.headers if key.lower() == lowered]


@dataclass
class Expectation:
    """What a response must look like: a recorded response, possibly adjusted by a divergence."""
    status: int | range
    body_format: str                   # "json" | "text" | "empty"
    body: Any                          # JSON value (may hold Matchers) or text
    headers: dict[str, Any]            # recorded header name -> value (str, list, or Matcher)
    check_absent_headers: bool = True  # enforce ABSENT_UNLESS_RECORDED
    request_ids: Optional[bool] = True  # True: present; False: absent; None: not checked


@dataclass
class Context:
    """Per-comparison facts matchers may need."""
    base_url: str
    actual_status: int = 0
    seen_request_ids: Optional[set[str]] = None  # request ids of earlier responses
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- matchers

class Matcher:
    """A stand-in for a recorded value, used by documented divergences."""

    def check(self, actual: Any, ctx: Context) -> Optional[str]:
        """Returns None when `actual` is acceptable, else a short reason."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}>"


class NonEmptyString(Matcher):
    def check(self, actual, ctx):
        if isinstance(actual, str) and actual.strip():
            return None
        return f"expected a non-empty string, got {short(actual)}"


class PrefixThenText(Matcher):
    """A string starting with `prefix` and continuing with some non-blank text."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def check(self, actual, ctx):
        if not isinstance(actual, str) or not actual.startswith(self.prefix):
            return f"expected a string starting with {short(self.prefix)}, got {short(actual)}"
        if not actual[len(self.prefix):].strip():
            return f"expected text after {short(self.prefix[-20:])}, got nothing"
        return None

    def __repr__(self):
        return f"<string starting {self.prefix!r}>"


class StartsWith(Matcher):
    def __init__(self, prefix: str):
        self.prefix = prefix

    def check(self, actual, ctx):
        if isinstance(actual, str) and actual.startswith(self.prefix):
            return None
        return f"expected a value starting with {self.prefix!r}, got {short(actual)}"

    def __repr__(self):
        return f"<starting {self.prefix!r}>"


class NovaFault(Matcher):
    """Any Nova fault body: {"<faultName>": {"code": <the response status>, "message": "..."}}."""

    def check(self, actual, ctx):
        if not isinstance(actual, dict) or len(actual) != 1:
            return f"expected a Nova fault object with one key, got {short(actual)}"
        (fault,) = actual.values()
        if not isinstance(fault, dict) or set(fault) != {"code", "message"}:
            return f"expected {{'code', 'message'}} in the fault, got {short(fault)}"
        if type(fault["code"]) is not int or fault["code"] != ctx.actual_status:
            return f"fault code {short(fault['code'])} differs from status {ctx.actual_status}"
        if not isinstance(fault["message"], str) or not fault["message"].strip():
            return "fault message is not a non-empty string"
        return None


# --------------------------------------------------------------------------- key helpers

def short(value: Any, limit: int = 70) -> str:
    """A one-line, length-limited repr for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def decode_base64(text: str) -> Optional[bytes]:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def decode_pem(text: str, label: str) -> Optional[bytes]:
    """DER bytes of a PEM block `label` written with '\\n' line ends and <=64-char lines."""
    begin, end = f"-----BEGIN {label}-----\n", f"-----END {label}-----\n"
    if not (text.startswith(begin) and text.endswith(end)):
        return None
    lines = text[len(begin):-len(end)].split("\n")
    if lines[-1] != "" or len(lines) < 2:
        return None
    lines = lines[:-1]
    if any(not line or len(line) > 64 for line in lines):
        return None
    der = decode_base64("".join(lines))
    return der if der and der[0] == 0x30 else None


def ssh_blob(public_key: str) -> Optional[bytes]:
    """The decoded key blob (second field) of an OpenSSH public key line."""
    fields = public_key.split()
    return decode_base64(fields[1]) if len(fields) >= 2 else None


def ssh_rsa_numbers(blob: bytes) -> Optional[tuple[int, int]]:
    """(e, n) from an ssh-rsa key blob."""
    parts, pos = [], 0
    while pos < len(blob) and len(parts) < 3:
        if pos + 4 > len(blob):
            return None
        size = int.from_bytes(blob[pos:pos + 4], "big")
        parts.append(blob[pos + 4:pos + 4 + size])
        pos += 4 + size
    if len(parts) != 3 or parts[0] != b"ssh-rsa" or pos != len(blob):
        return None
    return int.from_bytes(parts[1], "big"), int.from_bytes(parts[2], "big")


def der_read(der: bytes, pos: int) -> Optional[tuple[int, bytes, int]]:
    """One DER TLV at `pos`: (tag, content, position after it)."""
    if pos + 2 > len(der):
        return None
    tag, size, pos = der[pos], der[pos + 1], pos + 2
    if size & 0x80:
        count = size & 0x7F
        if count == 0 or count > 4 or pos + count > len(der):
            return None
        size, pos = int.from_bytes(der[pos:pos + count], "big"), pos + count
    if pos + size > len(der):
        return None
    return tag, der[pos:pos + size], pos + size


def pkcs1_rsa_numbers(der: bytes) -> Optional[tuple[int, int]]:
    """(e, n) from a PKCS#1 RSAPrivateKey: SEQUENCE { version, n, e, ... }."""
    outer = der_read(der, 0)
    if not outer or outer[0] != 0x30:
        return None
    content, pos, numbers = outer[1], 0, []
    for _ in range(3):
        item = der_read(content, pos)
        if not item or item[0] != 0x02:
            return None
        numbers.append(int.from_bytes(item[1], "big", signed=True))
        pos = item[2]
    version, n, e = numbers
    return (e, n) if version == 0 else None


def colon_hex(digest: bytes) -> str:
    return ":".join(f"{byte:02x}" for byte in digest)


# --------------------------------------------------------------------------- placeholders

def check_generated_private_key(actual, ctx):
    if isinstance(actual, str) and decode_pem(actual, "RSA PRIVATE KEY") is not None:
        return None
    return f"expected a PEM RSA private key, got {short(actual)}"


def check_pkcs12(actual, ctx):
    if isinstance(actual, str) and BASE64_RE.fullmatch(actual):
        der = decode_base64(actual)
        if der and der[0] == 0x30:
            return None
    return f"expected single-line base64 of a DER PKCS#12 bundle, got {short(actual)}"


def check_generated_ssh_key(actual, ctx):
    if isinstance(actual, str) and SSH_RSA_GENERATED_RE.fullmatch(actual):
        blob = ssh_blob(actual)
        if blob and ssh_rsa_numbers(blob):
            return None
    return f"expected 'ssh-rsa <base64> Generated-by-Nova', got {short(actual)}"


def check_certificate(actual, ctx):
    if isinstance(actual, str) and decode_pem(actual, "CERTIFICATE") is not None:
        return None
    return f"expected a PEM certificate, got {short(actual)}"


def check_md5_fingerprint(actual, ctx):
    if isinstance(actual, str) and MD5_FINGERPRINT_RE.fullmatch(actual):
        return None
    return f"expected an md5 fingerprint, got {short(actual)}"


def check_sha1_fingerprint(actual, ctx):
    if isinstance(actual, str) and SHA1_FINGERPRINT_RE.fullmatch(actual):
        return None
    return f"expected a sha1 fingerprint, got {short(actual)}"


def check_timestamp(actual, ctx):
    if isinstance(actual, str) and TIMESTAMP_RE.fullmatch(actual):
        return None
    return f"expected a timestamp YYYY-MM-DDThh:mm:ss.ffffff, got {short(actual)}"


def check_id(actual, ctx):
    if type(actual) is int:
        return None
    return f"expected an integer id, got {short(actual)}"


PLACEHOLDERS: dict[str, Callable[[Any, Context], Optional[str]]] = {
    RSA_PRIVATE_KEY_PLACEHOLDER: check_generated_private_key,
    PKCS12_PLACEHOLDER: check_pkcs12,
    SSH_PUBLIC_KEY_PLACEHOLDER: check_generated_ssh_key,
    CERTIFICATE_PLACEHOLDER: check_certificate,
    MD5_FINGERPRINT_PLACEHOLDER: check_md5_fingerprint,
    SHA1_FINGERPRINT_PLACEHOLDER: check_sha1_fingerprint,
    TIMESTAMP_PLACEHOLDER: check_timestamp,
    ID_PLACEHOLDER: check_id,
}


def check_generated_key_consistency(expected: dict, actual: dict) -> Optional[str]:
    """For a generated key: fingerprint matches public_key, and private_key matches it too."""
    public_key = actual.get("public_key")
    placeholder = expected.get("fingerprint")
    wanted = None
    if placeholder == MD5_FINGERPRINT_PLACEHOLDER:
        blob = ssh_blob(public_key) if isinstance(public_key, str) else None
        if blob is None:
            return "fingerprint: no decodable ssh public_key beside it"
        wanted, kind = colon_hex(hashlib.md5(blob).digest()), "md5"
    elif placeholder == SHA1_FINGERPRINT_PLACEHOLDER:
        der = decode_pem(public_key, "CERTIFICATE") if isinstance(public_key, str) else None
        if der is None:
            return "fingerprint: no decodable certificate public_key beside it"
        wanted, kind = colon_hex(hashlib.sha1(der).digest()), "sha1"
    if wanted is not None and actual.get("fingerprint") != wanted:
        return f"fingerprint: {actual['fingerprint']!r} is not the {kind} {wanted!r} of public_key"
    if (expected.get("private_key") == RSA_PRIVATE_KEY_PLACEHOLDER
            and expected.get("public_key") == SSH_PUBLIC_KEY_PLACEHOLDER):
        private_der = decode_pem(actual["private_key"], "RSA PRIVATE KEY")
        blob = ssh_blob(public_key)
        private_numbers = pkcs1_rsa_numbers(private_der) if private_der else None
        public_numbers = ssh_rsa_numbers(blob) if blob else None
        if private_numbers is None or private_numbers != public_numbers:
            return "private_key: does not belong to public_key"
    return None


# --------------------------------------------------------------------------- JSON values

def json_path(path: str, key: Any) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def compare_json(expected: Any, actual: Any, ctx: Context, path: str = "$") -> Optional[str]:
    """The first difference between a recorded JSON value and ours, as 'path: reason'."""
    if isinstance(expected, Matcher):
        problem = expected.check(actual, ctx)
        return f"{path}: {problem}" if problem else None
    if isinstance(expected, str):
        if expected in PLACEHOLDERS:
            problem = PLACEHOLDERS[expected](actual, ctx)
            return f"{path}: {problem}" if problem else None
        wanted = expected.replace(BASE_URL_PLACEHOLDER, ctx.base_url)
        if actual != wanted:
            return f"{path}: expected {short(wanted)}, got {short(actual)}"
        return None
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path}: expected an object, got {short(actual)}"
        missing = [key for key in expected if key not in actual]
        if missing:
            return f"{path}: missing key {missing[0]!r}"
        extra = [key for key in actual if key not in expected]
        if extra:
            return f"{path}: unexpected key {extra[0]!r}"
        for key, value in expected.items():
            problem = compare_json(value, actual[key], ctx, json_path(path, key))
            if problem:
                return problem
        problem = check_generated_key_consistency(expected, actual)
        return f"{path}.{problem}" if problem else None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"{path}: expected an array, got {short(actual)}"
        for index, (want, got) in enumerate(zip(expected, actual)):
            problem = compare_json(want, got, ctx, json_path(path, index))
            if problem:
                return problem
        if len(expected) != len(actual):
            return f"{path}: expected {len(expected)} items, got {len(actual)}"
        return None
    # null, booleans, numbers: same type and value (True is not 1, 1.0 is not 1)
    if type(expected) is not type(actual) or expected != actual:
        return f"{path}: expected {short(expected)}, got {short(actual)}"
    return None


def parse_json_strictly(body: bytes) -> Any:
    """Parses UTF-8 JSON, rejecting duplicate keys and NaN/Infinity. Raises ValueError."""
    def no_duplicates(pairs):
        result = {}
        for key, value in pairs:
            if key in result:
                raise ValueError(f"duplicate key {key!r}")
            result[key] = value
        return result

    def no_constants(name):
        raise ValueError(f"non-JSON constant {name}")

    return json.loads(body.decode("utf-8"), object_pairs_hook=no_duplicates,
                      parse_constant=no_constants)


def compare_body(expected: Expectation, actual: ActualResponse, ctx: Context) -> Optional[str]:
    if expected.body_format == "empty":
        return None if actual.body == b"" else f"body: expected empty, got {short(actual.body)}"
    if expected.body_format == "text":
        try:
            text = actual.body.decode("utf-8")
        except UnicodeDecodeError:
            return "body: not UTF-8"
        if text != expected.body:
            return f"body: expected text {short(expected.body)}, got {short(text)}"
        return None
    try:
        value = parse_json_strictly(actual.body)
    except ValueError as error:  # includes UnicodeDecodeError and JSONDecodeError
        return f"body: not JSON ({error}): {short(actual.body)}"
    problem = compare_json(expected.body, value, ctx)
    return f"body {problem}" if problem else None


# --------------------------------------------------------------------------- headers

def split_header_list(values: list[str]) -> list[str]:
    """Items of a list-valued header, whether sent as several lines or comma-joined."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def compare_content_length(recorded: str, values: list[str]) -> Optional[str]:
    """Only zero versus non-zero is compared (HEAD answers announce a length they don't send)."""
    if len(values) != 1:
        return f"Content-Length: expected one, got {values!r}"
    if not values[0].isdigit():
        return f"Content-Length: not a number: {values[0]!r}"
    recorded_zero = recorded == "0"
    if recorded_zero != (int(values[0]) == 0):
        return f"Content-Length: expected {'0' if recorded_zero else 'non-zero'}, got {values[0]}"
    return None


def compare_headers(expected: Expectation, actual: ActualResponse, ctx: Context) -> list[str]:
    problems = []
    recorded = {name.lower(): value for name, value in expected.headers.items()}
    for name, value in expected.headers.items():
        values = actual.header_values(name)
        if name.lower() == "content-length":
            problem = compare_content_length(value, values)
        elif name.lower() == "vary":
            wanted = value if isinstance(value, list) else [value]
            wanted = split_header_list(wanted)
            got = split_header_list(values)
            problem = None if got == wanted else f"Vary: expected {wanted!r}, got {got!r}"
        elif not values:
            problem = f"{name}: missing"
        elif len(values) > 1:
            problem = f"{name}: sent {len(values)} times: {values!r}"
        elif isinstance(value, Matcher):
            reason = value.check(values[0], ctx)
            problem = f"{name}: {reason}" if reason else None
        else:
            wanted = value.replace(BASE_URL_PLACEHOLDER, ctx.base_url)
            problem = None if values[0] == wanted else (
                f"{name}: expected {wanted!r}, got {values[0]!r}")
        if problem:
            problems.append(f"header {problem}")
    if expected.check_absent_headers:
        for name in ABSENT_UNLESS_RECORDED:
            values = actual.header_values(name)
            if name.lower() not in recorded and values:
                problems.append(f"header {name}: expected absent, got {values!r}")
    return problems


def compare_request_ids(expected: Expectation, actual: ActualResponse,
                        ctx: Context) -> list[str]:
    if expected.request_ids is None:
        return []
    values = {name: actual.header_values(name) for name in REQUEST_ID_HEADERS}
    if not expected.request_ids:
        present = [name for name, found in values.items() if found]
        return [f"header {name}: expected absent" for name in present]
    problems = []
    for name, found in values.items():
        if len(found) != 1:
            problems.append(f"header {name}: expected one req-<uuid4>, got {found!r}")
        elif not REQUEST_ID_RE.fullmatch(found[0]):
            problems.append(f"header {name}: {found[0]!r} is not req-<uuid4>")
    if problems:
        return problems
    first, second = (values[name][0] for name in REQUEST_ID_HEADERS)
    if first != second:
        return [f"headers {REQUEST_ID_HEADERS[0]} and {REQUEST_ID_HEADERS[1]} differ"]
    if ctx.seen_request_ids is not None:
        if first in ctx.seen_request_ids:
            return [f"header {REQUEST_ID_HEADERS[0]}: {first} was already used"]
        ctx.seen_request_ids.add(first)
    return []


# --------------------------------------------------------------------------- entry points

def expectation_from_recording(response: dict) -> Expectation:
    """The recorded response as an Expectation (no divergence applied)."""
    ids = response["request_id_headers"]
    recorded_ids = [ids.get(name) for name in REQUEST_ID_HEADERS]
    return Expectation(
        status=response["status"],
        body_format=response["body_format"],
        body=copy.deepcopy(response["body"]),
        headers=copy.deepcopy(response["headers"]),
        request_ids=any(value is not None for value in recorded_ids),
    )


def status_matches(expected: int | range, status: int) -> bool:
    return status in expected if isinstance(expected, range) else status == expected


def describe_status(expected: int | range) -> str:
    if isinstance(expected, range):
        return f"{expected.start}-{expected.stop - 1}"
    return str(expected)


def compare(expected: Expectation, actual: ActualResponse, base_url: str,
            seen_request_ids: Optional[set[str]] = None) -> list[str]:
    """Every difference between the expectation and our response; empty when they match."""
    ctx = Context(base_url=base_url, actual_status=actual.status,
                  seen_request_ids=seen_request_ids)
    problems = []
    if not status_matches(expected.status, actual.status):
        problems.append(
            f"status: expected {describe_status(expected.status)}, got {actual.status}")
    body_problem = compare_body(expected, actual, ctx)
    if body_problem:
        problems.append(body_problem)
    problems += compare_headers(expected, actual, ctx)
    problems += compare_request_ids(expected, actual, ctx)
    return problems


# --------------------------------------------------------------------------- divergences
# Adjustments of a recorded expectation where keypaird deliberately answers differently from
# Nova (see DIVERGENCES.md). replay.py's DIVERGENCES table says which recording gets which.

def expect_bad_request(expected: Expectation) -> Expectation:
    """Nova's 500 becomes a 400 badRequest fault; headers stay as recorded."""
    expected.status = 400
    expected.body_format = "json"
    expected.body = {"badRequest": {"code": 400, "message": NonEmptyString()}}
    return expected


def expect_json_client_error(expected: Expectation) -> Expectation:
    """Nova's bare 500 becomes any 4xx with a Nova fault body. Nova's 500 came from below the
    API layer (no version or request-id headers), so only the body's headers are checked."""
    expected.status = range(400, 500)
    expected.body_format = "json"
    expected.body = NovaFault()
    expected.headers = {"Content-Type": StartsWith("application/json"),
                        "Content-Length": VARIES_PLACEHOLDER}
    expected.check_absent_headers = False
    expected.request_ids = None
    return expected


def latin1_to_utf8(value: Any) -> Any:
    """Undoes Nova's latin-1 reading of UTF-8 bytes in every string of a JSON value."""
    if isinstance(value, str):
        try:
            return value.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return value
    if isinstance(value, dict):
        return {key: latin1_to_utf8(item) for key, item in value.items()}
    if isinstance(value, list):
        return [latin1_to_utf8(item) for item in value]
    return value


def first_occurrences_to_utf8(value: Any, texts: list[str]) -> Any:
    """In every string of a JSON value, the first occurrence of each latin-1 reading in `texts`
    becomes its UTF-8 reading."""
    if isinstance(value, str):
        for text in texts:
            fixed = latin1_to_utf8(text)
            if fixed != text:
                value = value.replace(text, fixed, 1)
        return value
    if isinstance(value, dict):
        return {key: first_occurrences_to_utf8(item, texts) for key, item in value.items()}
    if isinstance(value, list):
        return [first_occurrences_to_utf8(item, texts) for item in value]
    return value


def expect_utf8_path_decoding(expected: Expectation,
                              path_segments: Optional[list[str]] = None) -> Expectation:
    """Percent-encoded UTF-8 in the path is read as UTF-8 (Nova read it as latin-1). With
    `path_segments` (the path's segments as Nova read them, latin-1), only what came from the
    path is re-read: Nova's messages quote the path's value before the context's (the user, the
    context's project), which keypaird reads as latin-1 text just as Nova does."""
    if path_segments is None:
        expected.body = latin1_to_utf8(expected.body)
    else:
        expected.body = first_occurrences_to_utf8(expected.body, path_segments)
    return expected


X509_ERROR_MARKER = "Error message: "


def expect_x509_message_prefix(expected: Expectation) -> Expectation:
    """Nova's message ends with pyca/cryptography's own text; ours keeps Nova's text up to and
    including 'Error message: ' and then gives its own reason."""
    fault = expected.body["badRequest"]
    message = fault["message"]
    cut = message.index(X509_ERROR_MARKER) + len(X509_ERROR_MARKER)
    fault["message"] = PrefixThenText(message[:cut])
    return expected
