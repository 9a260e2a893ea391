"""The differential test's request generator: a seeded, deterministic sequence of HTTP requests
over the whole /os-keypairs surface (and the version documents), sent in the same order to
nova-api and keypaird.

The sequence depends only on the seed and the position, never on the answers, so that
`run.py --seed S --only N` rebuilds request N exactly. Requests build on earlier ones: the
generator remembers the names each user asked to create and uses them again for shows, deletes,
markers and duplicate creates (whether they exist is up to the servers).

Each request has a `kind` ("create/valid-key", "list/limit", ...): run.py counts differences
per kind. Request classes deliberately NOT generated (each one is a documented divergence whose
answer cannot be checked against Nova's at all, see DIVERGENCES.md):
- other Nova APIs (/v2.1/servers, ...): keypaird serves only keypairs and the version
  documents, so only unknown paths keypaird and Nova both 404 are sent;
- public keys over 16,384 bytes and RSA moduli over 16,384 bits (keypaird refuses them; Nova
  stores them). Everything else that DIVERGENCES.md lists is generated and adjusted as the
  replay does (run.py: divergence()).

Python 3.11 standard library only.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
RECORDINGS_DIR = HERE.parent / "conformance" / "recordings"


@dataclass
class Request:
    kind: str
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: Optional[bytes] = None
    tags: set[str] = field(default_factory=set)

    def describe(self) -> str:
        lines = [f"{self.method} {self.path}  [{self.kind}]"]
        lines += [f"    {name}: {value!r}" for name, value in self.headers]
        if self.body is not None:
            text = self.body[:600]
            lines.append(f"    body ({len(self.body)} bytes): {text!r}"
                         + (" ..." if len(self.body) > 600 else ""))
        return "\n".join(lines)

    def raw(self, host: str) -> bytes:
        head = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}"]
        head += [f"{name}: {value}" for name, value in self.headers]
        if self.body is not None:
            head.append(f"Content-Length: {len(self.body)}")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("utf-8")
        return data + (self.body or b"")


# --------------------------------------------------------------------------- key material

def load_recorded_keys() -> dict[str, list[str]]:
    """Public keys from the conformance recordings' request bodies, by what Nova made of them:
    "ssh" (imported as an OpenSSH key), "x509" (imported as a certificate), "bad" (refused as
    invalid key data). Sorted, so the pool is the same on every machine."""
    pools: dict[str, set[str]] = {"ssh": set(), "x509": set(), "bad": set()}
    for path in sorted(RECORDINGS_DIR.glob("[0-9][0-9][0-9]_*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        request, response = data.get("request"), data.get("response")
        if not request or request["body_format"] != "json":
            continue
        body = request["body"]
        keypair = body.get("keypair") if isinstance(body, dict) else None
        if not isinstance(keypair, dict) or not isinstance(keypair.get("public_key"), str):
            continue
        key = keypair["public_key"]
        if len(key.encode()) > 16384:
            continue
        status = response["status"]
        message = json.dumps(response.get("body"))
        if status in (200, 201):
            pools["x509" if keypair.get("type") == "x509" else "ssh"].add(key)
        elif status == 400 and "Keypair data is invalid" in message:
            pools["bad"].add(key)
    return {name: sorted(keys) for name, keys in pools.items()}


KEYS = load_recorded_keys()

MALFORMED_KEYS = [
    "", " ", "ssh-rsa", "ssh-rsa AAAA", "ssh-ed25519 !!!!", "ssh-rsa AAAAB3NzaC1yc2E=",
    "ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni",
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    "not a key at all", "\n", "ssh-ed25519\tAAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulm",
]

# --------------------------------------------------------------------------- vocabulary

USERS = ["alice", "bob", "carol", "admin", "dave"]
PROJECTS = ["e0e0e0e0", "f00d", "0123456789abcdef0123456789abcdef", "other-proj", "ABCDEF",
            "12345678-1234-1234-1234-123456789abc"]

SIMPLE_NAMES = ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "key-a", "key_b", "Key C"]
ODD_NAMES = [
    "a.b", "x@y.z", "a b", " lead", "trail ", "ключ", "名前", "emoji\U0001F600", "a/b", "a?b",
    "a#b", "a%b", "a+b", "a:b", "a,b", "a'b", 'a"b', "a\\b", "ñ", "\ufb01", "\u200b", "tab\tk",
    "nl\n", "\nnl", "cr\r", "ctl\x01", "del\x7f", "k.json", "k.xml", ".", "..", "-", "_", "@",
    "", "n" * 255, "n" * 256, "é" * 255, "é" * 256, "a\u0301", "\u00a0nbsp", "a;b", "a&b",
    "a=b", "a~b", "A", "a" * 64, "a\x00b",
]
PATH_ONLY_NAMES = ["ключ-нет", "名前なし", "ñ?", "\U0001F600-gone", "é" * 3]
VERSIONS = ["2.1", "2.2", "2.9", "2.10", "2.11", "2.34", "2.35", "2.36", "2.90", "2.91",
            "2.92", "2.93", "latest"]
BAD_VERSIONS = ["2.94", "2.999", "3.0", "1.0", "2.0", "2.", "2", "abc", "2.1.1", " 2.10",
                "2.10 ", "02.10", "2.010", "-2.1", "2.-1", "", "LATEST", "2,10", "2.1e1"]

NOT_JSON_BODIES = [b"", b"not json", b"{", b"}", b"null", b"[]", b"\"keypair\"", b"1", b"true",
                   b"{\"keypair\": null}", b"{\"keypair\": []}", b"{\"keypair\": \"x\"}",
                   b"{\"keypair\": {}}", b"{\"keypair\": {\"name\": \"dup\", \"name\": \"k0\"}}",
                   b"{'keypair': {'name': 'k0'}}", b"{\"keypair\": {\"name\": \"k0\"}} trailing",
                   b"\xef\xbb\xbf{\"keypair\": {\"name\": \"bom\"}}", b"NaN",
                   b"{\"keypair\": {\"name\": NaN}}", b"{\"keypair\": {\"name\": Infinity}}",
                   b"  {\"keypair\" : {\"name\":\"ws\"}}  ", b"{\"keypair\": {\"name\": \"k\\u0000\"}}",
                   b"{\"keypair\": {\"name\": \"\\ud800\"}}"]
INVALID_UTF8_BODIES = [b"{\"keypair\": {\"name\": \"a\xffb\"}}", b"\xff\xfe",
                       b"{\"keypair\": {\"name\": \"k\xc3\"}}"]

CONTENT_TYPES = ["application/json"] * 12 + [
    None, "text/plain", "application/xml", "APPLICATION/JSON", "application/json; charset=utf-8",
    "application/x-www-form-urlencoded", "application/vnd.openstack.compute+json", "",
    "application/json;charset=latin-1", "*/*", "application/octet-stream"]
ACCEPTS = [None] * 14 + ["application/json", "application/xml", "*/*", "text/html",
                         "application/json;q=0", "text/plain", "application/*", ""]

ACCEPT_TYPES = ["text", "application", "*", "TEXT", "Application", "image", "x-y"]
ACCEPT_SUBTYPES = ["html", "json", "*", "HTML", "Json", "plain", "xml",
                   "vnd.openstack.compute+json"]
ACCEPT_PARAMS = ["level=1", "charset=utf-8", 'x="a b"', 'y="q\\"x"', "qq=1", "q", "z=",
                 'w="\x80"', "v=\"unterminated"]
ACCEPT_QS = ["0", "1", "0.5", "0.25", "0.123", "0.1234", "1.0", "1.000", "1.5", "2", "0.", "1.",
             "0.0", "0.001", "-1", ".5", ""]


def weighted(rng: random.Random, table: list[tuple[float, object]]):
    total = sum(weight for weight, _ in table)
    pick = rng.uniform(0, total)
    for weight, value in table:
        pick -= weight
        if pick <= 0:
            return value
    return table[-1][1]


def percent_encode(text: str, safe: str = "") -> str:
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if (char.isascii() and char.isalnum()) or char in "-_~" or char in safe:
            out.append(char)
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def deep(levels: int, leaf) -> object:
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


class Generator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.created: dict[str, list[str]] = {}  # user -> names asked to create, in order

    # ------------------------------------------------------------------ pieces

    def token(self) -> tuple[Optional[str], str, list[str]]:
        """(X-Auth-Token value or None, the user it names, tags)."""
        rng = self.rng
        shape = weighted(rng, [(40, "user"), (30, "user:project"), (10, "admin"),
                               (2, "empty"), (2, ":project"), (1.5, "missing"),
                               (1, "user:"), (1, "odd")])
        user = rng.choice(USERS[:3] + ["dave"])
        if shape == "user":
            return user, user, []
        if shape == "user:project":
            return f"{user}:{rng.choice(PROJECTS[:3])}", user, []
        if shape == "admin":
            return rng.choice(["admin", "admin:admin", "admin:e0e0e0e0"]), "admin", []
        if shape == "empty":
            return "", "", ["token-empty"]
        if shape == ":project":
            return f":{rng.choice(PROJECTS[:3])}", "", ["token-no-user"]
        if shape == "missing":
            return None, "admin", ["token-missing"]
        if shape == "user:":
            return f"{user}:", user, []
        odd = rng.choice(["a:b:c", "Admin", "ADMIN:admin", " alice", "alice ", "ключ:proj",
                          "u" * 300, "x@y.z:p-1"])
        return odd, odd.partition(":")[0], ["token-odd"]

    def version_headers(self) -> tuple[list[tuple[str, str]], str]:
        """The version headers and a rough guess of the version asked for (for the body)."""
        rng = self.rng
        version = rng.choice(VERSIONS) if rng.random() < 0.8 else f"2.{rng.randint(1, 93)}"
        shape = weighted(rng, [(60, "new"), (12, "legacy"), (8, "both"), (10, "none"),
                               (6, "bad"), (4, "odd-new")])
        if shape == "new":
            return [("OpenStack-API-Version", f"compute {version}")], version
        if shape == "legacy":
            return [("X-OpenStack-Nova-API-Version", version)], version
        if shape == "both":
            other = rng.choice(VERSIONS)
            return [("OpenStack-API-Version", f"compute {version}"),
                    ("X-OpenStack-Nova-API-Version", other)], version
        if shape == "none":
            return [], "2.1"
        if shape == "bad":
            bad = rng.choice(BAD_VERSIONS)
            name = rng.choice(["OpenStack-API-Version", "X-OpenStack-Nova-API-Version"])
            value = f"compute {bad}" if name == "OpenStack-API-Version" else bad
            return [(name, value)], "2.1"
        value = rng.choice([f"volume {version}", f"compute{version}", f"COMPUTE {version}",
                            f"compute  {version}", f"compute {version}, volume 3.0",
                            f"volume 3.0, compute {version}", "compute", f"identity {version}",
                            f"compute {version} extra"])
        return [("OpenStack-API-Version", value)], version

    def prefix(self, tags: set[str]) -> str:
        rng = self.rng
        shape = weighted(rng, [(75, "v2.1"), (6, "v2"), (4, "//v2.1"), (10, "project"),
                               (2, "v2-project"), (2, "double-mid"), (1, "///v2.1")])
        if shape == "v2.1":
            return "/v2.1"
        if shape == "v2":
            tags.add("legacy-v2")
            return "/v2"
        if shape == "//v2.1":
            tags.add("path-double-slash")
            return "//v2.1"
        if shape == "///v2.1":
            tags.add("path-double-slash")
            return "///v2.1"
        if shape == "project":
            return f"/v2.1/{rng.choice(PROJECTS)}"
        if shape == "v2-project":
            tags.add("legacy-v2")
            return f"/v2/{rng.choice(PROJECTS)}"
        tags.add("path-double-slash")
        return "/v2.1/"  # + "/os-keypairs" below makes "//os-keypairs"

    def known_name(self, user: str) -> str:
        names = self.created.get(user) or []
        if names and self.rng.random() < 0.75:
            return self.rng.choice(names)
        return self.rng.choice(SIMPLE_NAMES + ODD_NAMES[:12] + ["nope", "missing"])

    def name_in_path(self, name: str, tags: set[str]) -> str:
        rng = self.rng
        if any(ord(c) > 127 for c in name):
            # keypaird reads UTF-8 in paths as UTF-8, Nova as latin-1 (DIVERGENCES.md), so a
            # name that may exist would be found by one and not the other, and the two stores
            # would drift apart after a delete. In paths, non-ASCII names are ones never created:
            # both answer "not found", and only the message differs, as documented.
            name = rng.choice(PATH_ONLY_NAMES)
            tags.add("path-utf8")
        shape = weighted(rng, [(70, "encoded"), (12, "raw"), (6, "json-suffix"),
                               (4, "trailing-slash"), (3, "lower-hex"), (2, "raw-utf8")])
        if shape == "raw" and all(c.isascii() and (c.isalnum() or c in "-_.@~") for c in name):
            return name
        if shape == "json-suffix":
            tags.add("json-suffix")
            return percent_encode(name) + ".json"
        if shape == "trailing-slash":
            return percent_encode(name) + "/"
        if shape == "lower-hex":
            return percent_encode(name).lower() if "%" in percent_encode(name) else name
        encoded = percent_encode(name)
        if shape == "raw-utf8" and name and all(c.isprintable() and c not in "/?#% "
                                                for c in name):
            return "".join(c if ord(c) > 127 else percent_encode(c) for c in name)
        return encoded

    def query(self, user: str, listing: bool) -> str:
        rng = self.rng
        parts = []
        if rng.random() < (0.45 if listing else 0.2):
            parts.append("user_id=" + percent_encode(rng.choice(
                USERS + [user, "", "nobody", "ключ"])))
        if listing:
            if rng.random() < 0.4:
                parts.append("limit=" + rng.choice(
                    ["1", "2", "3", "5", "0", "-1", "1000", "1001", "abc", "1.5", "", "%2B2",
                     "%202", "99999999999999999999", "0x10", "2e0", "1", "2"]))
            if rng.random() < 0.3:
                parts.append("marker=" + percent_encode(self.known_name(user)))
        if rng.random() < 0.08:
            parts.append(rng.choice(["foo=bar", "limit=1", "marker=", "user_id=bob", "&",
                                     "LIMIT=1", "limit", "marker", "x=1&x=2"]))
        if rng.random() < 0.1 and parts:
            parts.append(rng.choice(parts))  # a repeated parameter
        rng.shuffle(parts)
        if not parts:
            return "?" if rng.random() < 0.03 else ""
        return "?" + "&".join(parts)

    def common_headers(self, tags: set[str]) -> tuple[list[tuple[str, str]], str, str]:
        token, user, token_tags = self.token()
        tags.update(token_tags)
        headers: list[tuple[str, str]] = []
        if token is not None:
            headers.append(("X-Auth-Token", token))
        elif self.rng.random() < 0.5:
            headers += [("X-Auth-User", self.rng.choice(USERS)),
                        ("X-Auth-Project-Id", self.rng.choice(PROJECTS[:3]))]
        version_headers, version = self.version_headers()
        headers += version_headers
        accept = self.rng.choice(ACCEPTS) if self.rng.random() < 0.8 else self.accept_header()
        if accept is not None:
            headers.append(("Accept", accept))
        return headers, user, version

    def accept_header(self) -> str:
        """An Accept header built from parts: media ranges in any case, wildcards, media type
        and accept-ext parameters (quoted too), q values valid and not, odd separators, and
        now and then a piece that breaks the grammar (webob then accepts everything)."""
        rng = self.rng

        def media_range() -> str:
            if rng.random() < 0.04:
                return rng.choice(["text", "/json", "text/", "a b/c", "*", "text/html/x"])
            text = rng.choice(ACCEPT_TYPES) + "/" + rng.choice(ACCEPT_SUBTYPES)
            for _ in range(rng.choice([0, 0, 0, 1, 2])):
                text += rng.choice([";", ";", " ;", "; ", "\t;"]) + rng.choice(ACCEPT_PARAMS)
            if rng.random() < 0.5:
                text += rng.choice([";q=", "; q=", " ;Q=", ";q="]) + rng.choice(ACCEPT_QS)
                for _ in range(rng.choice([0, 0, 1])):
                    text += rng.choice([";ext", ";ext=1", ';e="v"', ";q=0.1", "; e=a", ";"])
            return text

        text = rng.choice(["", "", "", ",", ", "])
        for index in range(rng.choice([1, 1, 2, 2, 3, 4])):
            if index:
                text += rng.choice([",", ", ", " ,", ",,", "\t,", "  ,  ", ", ,"])
            text += media_range()
        if rng.random() < 0.05:
            text += rng.choice([",", ";", "x", ", ;"])
        return text

    # ------------------------------------------------------------------ bodies

    def public_key(self) -> tuple[object, Optional[object], str]:
        """(public_key value or a MISSING marker, type value or MISSING, what)."""
        rng = self.rng
        what = weighted(rng, [(35, "ssh"), (12, "x509"), (8, "bad"), (8, "malformed"),
                              (22, "generate"), (6, "wrong-type"), (4, "x509-generate"),
                              (5, "mismatched-type")])
        missing = MISSING
        if what == "ssh":
            return rng.choice(KEYS["ssh"]), rng.choice([missing] * 4 + ["ssh"]), what
        if what == "x509":
            return rng.choice(KEYS["x509"]), "x509", what
        if what == "bad":
            return rng.choice(KEYS["bad"]), rng.choice([missing, "ssh", "x509"]), what
        if what == "malformed":
            return rng.choice(MALFORMED_KEYS), rng.choice([missing, missing, "x509"]), what
        if what == "generate":
            return missing, rng.choice([missing] * 4 + ["ssh"]), what
        if what == "x509-generate":
            return missing, "x509", what
        if what == "mismatched-type":
            key = rng.choice(KEYS["ssh"] + KEYS["x509"])
            return key, rng.choice(["x509", "ssh", "SSH", "X509", "", "foo", 1, None, ["ssh"]]), what
        value = rng.choice([1, -1, 10 ** 20, -10 ** 20, 1.5, True, None, [], {}, ["ssh-rsa"],
                            {"key": "ssh-rsa"}, 1e308, 0])
        return value, missing, what

    def create_body(self, user: str, tags: set[str]) -> tuple[bytes, str, Optional[str]]:
        """(body bytes, kind, the name asked for if it is a string)."""
        rng = self.rng
        shape = weighted(rng, [(70, "normal"), (6, "name-odd-type"), (4, "deep"),
                               (4, "not-json"), (1.5, "invalid-utf8"), (5, "extra"),
                               (3, "user_id"), (3, "outer-odd"), (2, "big-numbers")])
        if shape == "not-json":
            return rng.choice(NOT_JSON_BODIES), "create/not-json", None
        if shape == "invalid-utf8":
            tags.add("body-invalid-utf8")
            return rng.choice(INVALID_UTF8_BODIES), "create/invalid-utf8", None
        if rng.random() < 0.7:
            name = self.rng.choice(SIMPLE_NAMES)
        elif rng.random() < 0.5 and self.created.get(user):
            name = rng.choice(self.created[user])
        else:
            name = rng.choice(ODD_NAMES)
        keypair: dict = {"name": name}
        key, key_type, what = self.public_key()
        if key is not MISSING:
            keypair["public_key"] = key
        if key_type is not MISSING:
            keypair["type"] = key_type
        if "x509" in what or key_type == "x509":
            tags.add("x509")
        kind = f"create/{what}"
        if shape == "name-odd-type":
            keypair["name"] = rng.choice([1, -1, 10 ** 20, 1.5, True, None, [], {}, ["k0"],
                                          {"n": "k0"}, 2 ** 64, -2 ** 63 - 1, 1e300, 0.1])
            kind = "create/name-odd-type"
        elif shape == "deep":
            levels = rng.choice([2, 10, 31, 32, 33, 50, 64, 100])
            field_name = rng.choice(["name", "public_key", "type", "user_id"])
            keypair[field_name] = deep(levels, rng.choice(["k0", 1, None, {}]))
            kind = "create/deep-nesting"
        elif shape == "extra":
            if rng.random() < 0.5:
                keypair[rng.choice(["extra", "fingerprint", "id", "Name", "private_key"])] = (
                    rng.choice(["x", 1, None, [1], {"a": 1}]))
            else:
                body = {"keypair": keypair, rng.choice(["extra", "keypairs", "Keypair"]): 1}
                return json.dumps(body).encode(), "create/extra-outer", self.remember(user, name)
            kind = "create/extra-inner"
        elif shape == "user_id":
            keypair["user_id"] = rng.choice(USERS + ["", 1, None, "ключ", ["bob"], "x" * 300])
            kind = "create/user_id"
        elif shape == "outer-odd":
            body = rng.choice([{"Keypair": keypair}, {"keypair": keypair, "keypair2": {}},
                               {"keypairs": [keypair]}, [keypair], {"keypair": [keypair]},
                               {"keypair": {"keypair": keypair}}])
            return json.dumps(body).encode(), "create/outer-odd", None
        elif shape == "big-numbers":
            keypair[rng.choice(["name", "type", "public_key", "user_id"])] = rng.choice(
                [10 ** 20, -10 ** 20, 2 ** 63, 2 ** 64 + 1, -2 ** 64, 10 ** 40, 1e20, 1.0e-5,
                 123456789012345678901234567890, 1.7976931348623157e308, -0.0])
            kind = "create/big-numbers"
        if rng.random() < 0.03:
            text = json.dumps({"keypair": keypair}, ensure_ascii=False)
            tags.add("body-not-ascii")
        else:
            text = json.dumps({"keypair": keypair})
        return text.encode("utf-8"), kind, self.remember(user, keypair.get("name"))

    def remember(self, user: str, name) -> Optional[str]:
        if isinstance(name, str):
            names = self.created.setdefault(user, [])
            if name not in names:
                names.append(name)
            return name
        return None

    # ------------------------------------------------------------------ requests

    def next(self) -> Request:
        rng = self.rng
        tags: set[str] = set()
        action = weighted(rng, [(34, "create"), (17, "list"), (14, "show"), (14, "delete"),
                                (5, "odd-method"), (4, "discovery"), (2, "other-path")])
        headers, user, _ = self.common_headers(tags)
        if action == "discovery":
            path = rng.choice(["/", "/v2.1", "/v2.1/", "/v2", "/v2/", "//", "/v2.1//",
                               "/v2.1.json", "/v3", "/v2.1?x=1", "/?limit=1"])
            method = rng.choice(["GET"] * 6 + ["HEAD", "POST", "DELETE", "PUT"])
            return Request("discovery", method, path, headers, None, tags)
        if action == "other-path":
            path = rng.choice(["/v2.1/os-keypair", "/v2.1/os-keypairs/a/b",
                               "/v2.1/OS-KEYPAIRS", "/v2.1/os-keypairs/", "/v2.1/os-keypairs.xml",
                               "/v2.1/os-keypairs/a%2Fb", "/v2.1/e0e0e0e0/os-keypairs/x/y",
                               "/v2.1/os-keypairs/%2e%2e", "/v2.1/os-keypairs/.",
                               "/v2.1/os-keypairs/..", "/os-keypairs", "/v2.1/../v2.1/os-keypairs"])
            method = rng.choice(["GET", "GET", "POST", "DELETE"])
            body = b"{}" if method == "POST" else None
            if body is not None:
                headers.append(("Content-Type", "application/json"))
            return Request("other-path", method, path, headers, body, tags)
        prefix = self.prefix(tags)
        collection = prefix + "/os-keypairs"
        if action == "create":
            body, kind, _ = self.create_body(user, tags)
            content_type = rng.choice(CONTENT_TYPES)
            if content_type is not None:
                headers.append(("Content-Type", content_type))
            path = collection + (".json" if rng.random() < 0.04 else "")
            if rng.random() < 0.06:
                path += self.query(user, listing=False)
            return Request(kind, "POST", path, headers, body, tags)
        if action == "list":
            path = collection + (".json" if rng.random() < 0.04 else "") + self.query(user, True)
            return Request("list", "GET", path, headers, None, tags)
        if action in ("show", "delete"):
            name = self.known_name(user)
            path = collection + "/" + self.name_in_path(name, tags) + self.query(user, False)
            method = "GET" if action == "show" else "DELETE"
            return Request(action, method, path, headers, None, tags)
        # odd methods on the collection or a member
        member = rng.random() < 0.5
        path = collection + ("/" + percent_encode(self.known_name(user)) if member else "")
        method = rng.choice(["PUT", "PATCH", "HEAD", "OPTIONS", "POST" if member else "DELETE",
                             "TRACE", "HEAD", "PUT"])
        body = None
        if method in ("PUT", "PATCH", "POST"):
            body = json.dumps({"keypair": {"name": "k0"}}).encode()
            headers.append(("Content-Type", "application/json"))
        return Request(f"method/{method}{'-member' if member else ''}", method, path, headers,
                       body, tags)


class _Missing:
    def __repr__(self):
        return "MISSING"


MISSING = _Missing()


def generate(seed: int, count: int) -> list[Request]:
    generator = Generator(seed)
    return [generator.next() for _ in range(count)]


if __name__ == "__main__":
    import sys
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    for position, request in enumerate(generate(seed, count), start=1):
        print(f"#{position}: {request.describe()}")
