"""Regression: a NUL inside a public key's base64 (which the key check skips, as Python's
base64 does) was stored by SQLite but answered 503 "store unavailable" on PostgreSQL, whose text
columns cannot hold NUL; so was an admin's create for a user id with a NUL in it. User input
never gets a 5xx: both stores now keep such values verbatim and answer alike."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402
from postgres_server import PostgresServer  # noqa: E402

BINARY = binary_from_argv(sys.argv)
KEY_B64 = "AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"
ESCAPE = "\ufffe"  # what the PostgreSQL store escapes with: it must stand for itself too


def exchanges(server):
    """The same requests against one server; every answer in order."""
    answers = []

    def call(method, path, token="alice:a11ce000", version="2.10", body=None):
        status, data, _ = server.json(method, path, token=token, version=version, body=body)
        answers.append((method, path, status, data))
        return status

    nul_key = "ssh-ed25519 " + KEY_B64[:20] + "\u0000" + KEY_B64[20:] + " nul\u0000comment"
    odd_key = "ssh-ed25519 " + KEY_B64 + " escape" + ESCAPE + "0" + ESCAPE + ESCAPE + "x\u0000"
    call("POST", "/v2.1/os-keypairs", body={"keypair": {"name": "nul", "public_key": nul_key}})
    call("POST", "/v2.1/os-keypairs", body={"keypair": {"name": "odd", "public_key": odd_key}})
    call("GET", "/v2.1/os-keypairs/nul")
    call("GET", "/v2.1/os-keypairs/odd")
    call("GET", "/v2.1/os-keypairs")
    # An admin creating for (and then reading) a user id with NUL and escape characters.
    for user in ("bob\u0000x", "bob" + ESCAPE + "0x", "bob" + ESCAPE):
        call("POST", "/v2.1/os-keypairs", token="admin:admin",
             body={"keypair": {"name": "k", "public_key": nul_key, "user_id": user}})
        query = "?user_id=" + "".join("%%%02X" % b for b in user.encode())
        call("GET", "/v2.1/os-keypairs" + query, token="admin:admin")
        call("GET", "/v2.1/os-keypairs/k" + query, token="admin:admin")
    call("GET", "/v2.1/os-keypairs?user_id=bob", token="admin:admin")
    call("GET", "/v2.1/os-keypairs/k?user_id=bob%00x", token="admin:admin")
    call("DELETE", "/v2.1/os-keypairs/k?user_id=bob%00x", token="admin:admin")
    call("GET", "/v2.1/os-keypairs/k?user_id=bob%00x", token="admin:admin")
    call("DELETE", "/v2.1/os-keypairs/nul")
    call("GET", "/v2.1/os-keypairs")
    return answers


class NulOnPostgresTest(unittest.TestCase):
    def test_postgres_answers_as_sqlite(self):
        sqlite = Keypaird(BINARY).start()
        try:
            expected = exchanges(sqlite)
        finally:
            sqlite.cleanup()
        with PostgresServer() as pg:
            node = Keypaird(BINARY, database_url=pg.url()).start()
            try:
                got = exchanges(node)
            finally:
                node.cleanup()
        statuses = [a[2] for a in got]
        self.assertTrue(all(s < 500 for s in statuses), got)
        self.assertEqual(statuses[:2], [201, 201])
        for want, have in zip(expected, got):
            # created_at differs between the two runs; everything else must not.
            self.assertEqual(strip_times(want), strip_times(have))


def strip_times(value):
    if isinstance(value, dict):
        return {k: strip_times(v) for k, v in value.items() if k not in ("created_at", "id")}
    if isinstance(value, (list, tuple)):
        return [strip_times(v) for v in value]
    return value


if __name__ == "__main__":
    unittest.main()
