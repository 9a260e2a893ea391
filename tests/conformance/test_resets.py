"""Self-check of the recorder's cleanups: resets.txt must be what derive_resets.py derives from
the recordings (so it cannot drift), the derivation must explain every recorded answer, and
replay.py must read the file and perform a cleanup the way the README describes.

    python3 -m unittest tests/conformance/test_resets.py
"""

import json
import sys
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import derive_resets  # noqa: E402
import replay  # noqa: E402

RECORDINGS = derive_resets.load_recordings()


def recording(method, path, token=None, body=None, version=None, status=200, answer=None,
              name="test"):
    headers = [["X-Auth-Token", token]] if token is not None else []
    return (name, {
        "name": name,
        "request": {"method": method, "path": path, "headers": headers,
                    "body_format": "json" if body is not None else "none", "body": body},
        "response": {"status": status,
                     "headers": {"OpenStack-API-Version": f"compute {version}"} if version else {},
                     "body_format": "json" if answer is not None else "empty", "body": answer},
    })


def keypair(name, user):
    return {"keypair": {"name": name, "user_id": user}}


def listing(*names):
    return {"keypairs": [{"keypair": {"name": name}} for name in names]}


class ResetsFileTest(unittest.TestCase):
    def test_resets_txt_is_derived_from_the_recordings(self):
        expected = derive_resets.render(derive_resets.derive(RECORDINGS), RECORDINGS)
        self.assertEqual(derive_resets.RESETS_FILE.read_text(encoding="utf-8"), expected,
                         "resets.txt is out of date: python3 tests/conformance/derive_resets.py")

    def test_every_recorded_answer_is_explained(self):
        ops = derive_resets.extract_ops(RECORDINGS)
        by_user = {}
        for op in ops:
            by_user.setdefault(op.user, []).append(op)
        resets = derive_resets.derive(RECORDINGS)
        self.assertEqual(derive_resets.simulate(by_user, resets), [])
        # and without any cleanup the recordings contradict themselves
        self.assertNotEqual(derive_resets.simulate(by_user, []), [])

    def test_replay_reads_every_line(self):
        keys = {stem for stem, _ in RECORDINGS}
        resets = replay.read_resets(replay.RESETS_FILE, keys)
        derived = derive_resets.derive(RECORDINGS)
        self.assertEqual([(r.stem, set(r.keep)) for r in resets],
                         [(RECORDINGS[r.index][0], r.keep) for r in derived])
        self.assertTrue(all(r.reason for r in resets))
        replay.check_resets_derived()  # the replay's own guard agrees


class DerivationTest(unittest.TestCase):
    def test_quota_forces_a_cleanup_at_the_scenario_boundary(self):
        recs = [recording("POST", "/v2.1/os-keypairs", "u", {"keypair": {"name": f"k{i}"}},
                          "2.10", 201, keypair(f"k{i}", "u"), name=f"grp-a-{i}")
                for i in range(5)]
        recs.append(recording("GET", "/v2.1/os-keypairs", "u", None, "2.10", 200,
                              listing(*[f"k{i}" for i in range(5)]), name="grp-a-list"))
        recs.append(recording("POST", "/v2.1/os-keypairs", "u", {"keypair": {"name": "x"}},
                              "2.10", 201, keypair("x", "u"), name="grp-b-create"))
        recs.append(recording("GET", "/v2.1/os-keypairs", "u", None, "2.10", 200,
                              listing("x"), name="grp-b-list"))
        resets = derive_resets.derive(recs)
        self.assertEqual([(r.index, r.keep) for r in resets], [(6, set())])

    def test_user_whose_keys_are_seen_later_is_kept(self):
        recs = [
            recording("POST", "/v2.1/os-keypairs", "a", {"keypair": {"name": "k"}}, "2.10",
                      201, keypair("k", "a"), name="one-create-a"),
            recording("POST", "/v2.1/os-keypairs", "b", {"keypair": {"name": "k"}}, "2.10",
                      201, keypair("k", "b"), name="one-create-b"),
            recording("GET", "/v2.1/os-keypairs/k", "b", None, "2.10", 404,
                      {"itemNotFound": {"code": 404, "message": "Keypair k not found for user b"}},
                      name="two-show-b"),
            recording("GET", "/v2.1/os-keypairs", "a", None, "2.10", 200, listing("k"),
                      name="two-list-a"),
        ]
        resets = derive_resets.derive(recs)
        self.assertEqual([(r.index, r.keep) for r in resets], [(2, {"a"})])

    def test_unexplainable_answer_is_an_error(self):
        recs = [recording("GET", "/v2.1/os-keypairs", "u", None, "2.10", 200, listing("ghost"))]
        with self.assertRaises(ValueError):
            derive_resets.derive(recs)

    def test_user_id_query_from_2_10_and_latin1_member_names(self):
        op = derive_resets.to_op(0, "x", recording(
            "DELETE", "/v2.1/proj/os-keypairs/a%40b?user_id=v&user_id=w", "admin:admin",
            version="2.10", status=204)[1])
        self.assertEqual((op.kind, op.user, op.name), ("delete", "v", "a@b"))
        op = derive_resets.to_op(0, "x", recording(
            "GET", "/v2.1/os-keypairs?user_id=v", "admin:admin", version="2.9",
            answer=listing())[1])
        self.assertEqual((op.kind, op.user), ("list", "admin"))

    def test_unusable_key_refusal_means_under_quota(self):
        op = derive_resets.to_op(0, "x", recording(
            "POST", "/v2.1/os-keypairs", "u", {"keypair": {"name": "k", "public_key": "x"}},
            "2.10", 400, {"badRequest": {"code": 400, "message":
                                         "Keypair data is invalid: failed to generate fingerprint"}})[1])
        self.assertEqual(op.kind, "unusable")
        self.assertEqual(derive_resets.check({"1", "2", "3", "4", "5"}, op)[0],
                         derive_resets.EXCESS)


class FakeNova(BaseHTTPRequestHandler):
    """Answers the cleanup's requests from a dict of user -> names, or fails them all."""
    store: dict = {}
    fail = False
    seen: list = []

    def log_message(self, *args):
        pass

    def answer(self, status, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.seen.append(("GET", self.path, self.headers["X-Auth-Token"],
                          self.headers["OpenStack-API-Version"]))
        if self.fail:
            return self.answer(500, {"computeFault": {"code": 500, "message": "no"}})
        user = self.path.split("user_id=")[1].split("&")[0]
        self.answer(200, listing(*self.store.get(user, [])))

    def do_DELETE(self):
        self.seen.append(("DELETE", self.path, self.headers["X-Auth-Token"],
                          self.headers["OpenStack-API-Version"]))
        self.answer(204)


class CleanupTest(unittest.TestCase):
    def setUp(self):
        FakeNova.seen = []
        self.httpd = ThreadingHTTPServer((replay.HOST, 0), FakeNova)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.server = type("FakeServer", (), {"port": self.httpd.server_address[1]})()

    def tearDown(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def test_lists_then_deletes_each_key_as_admin(self):
        FakeNova.fail, FakeNova.store = False, {"u": ["a b", ".."], "w": []}
        deleted, problems = replay.empty_users(self.server, {"u", "w"}, 5.0)
        self.assertEqual((deleted, problems), (2, []))
        self.assertEqual(FakeNova.seen, [
            ("GET", "/v2.1/os-keypairs?user_id=u&limit=1000", "admin:admin", "compute 2.35"),
            ("DELETE", "/v2.1/os-keypairs/a%20b?user_id=u", "admin:admin", "compute 2.10"),
            ("DELETE", "/v2.1/os-keypairs/%2E%2E?user_id=u", "admin:admin", "compute 2.10"),
            ("GET", "/v2.1/os-keypairs?user_id=w&limit=1000", "admin:admin", "compute 2.35"),
        ])

    def test_failure_is_reported_not_raised(self):
        FakeNova.fail = True
        deleted, problems = replay.empty_users(self.server, {"u"}, 5.0)
        self.assertEqual(deleted, 0)
        self.assertEqual(len(problems), 1)
        self.assertIn("500", problems[0])

    def test_users_seen_in_a_request(self):
        rec = replay.Recording("001", "001_x", recording(
            "POST", "/v2.1/os-keypairs?user_id=q", "admin:proj",
            {"keypair": {"name": "k", "user_id": "v"}})[1])
        self.assertEqual(replay.users_in_request(rec), {"admin", "q", "v"})


if __name__ == "__main__":
    unittest.main()
