"""Operations surface of the real binary: /metrics (separate listener, admin token, off by
default), /healthcheck (oslo.middleware's answers, 503 when the store goes away or the disable
file exists), the access log (text and JSON lines, no tokens or private keys, reopened on
SIGHUP)."""

import json
import math
import os
import re
import signal
import sys
import time
import unittest

from keypaird_process import Keypaird, binary_from_argv

BINARY = binary_from_argv(sys.argv)
ED25519 = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"
           " me@host")

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$')
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')


def parse_prometheus(text):
    """A strict little parser of the text exposition format: returns ({name: type},
    [(name, {label: value}, float)]) and fails on any line it does not understand."""
    types, samples = {}, []
    for number, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
            types[name] = kind
            continue
        assert not line.startswith("#"), f"line {number}: {line!r}"
        m = SAMPLE.match(line)
        assert m, f"line {number} is not a sample: {line!r}"
        labels = {}
        rest = m.group(3) or ""
        while rest:
            lm = LABEL.match(rest)
            assert lm, f"line {number}: bad labels {rest!r}"
            labels[lm.group(1)] = lm.group(2)
            rest = rest[lm.end():]
        value = float(m.group(4))  # accepts NaN, +Inf
        samples.append((m.group(1), labels, value))
    for name, _, _ in samples:
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in types or base in types, f"{name} has no TYPE line"
    return types, samples


def value(samples, name, **labels):
    total = None
    for n, l, v in samples:
        if n == name and all(l.get(k) == str(w) for k, w in labels.items()):
            total = (total or 0) + v
    return total


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Keypaird(BINARY, "[keypaird]\n"
                                      "metrics_listen = 127.0.0.1:0\n"
                                      "metrics_token = t0ps3cret\n").start()
        cls.metrics_port = cls.server.metrics_port

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def scrape(self):
        conn_server = Keypaird.__new__(Keypaird)
        conn_server.port = self.metrics_port
        status, headers, body = Keypaird.request(conn_server, "GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertIn("text/plain", dict(headers)["Content-Type"])
        return parse_prometheus(body.decode())

    def test_counters_move_and_parse(self):
        types, before = self.scrape()
        self.assertEqual(types["keypaird_http_requests_total"], "counter")
        self.assertEqual(types["keypaird_http_request_duration_seconds"], "histogram")
        self.assertEqual(types["keypaird_http_requests_in_flight"], "gauge")
        for name in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                     "process_open_fds", "process_start_time_seconds",
                     "keypaird_key_pool_size", "keypaird_token_cache_hits_total"):
            self.assertIn(name, types)
        labels = dict(route="keypairs", method="POST", status="201", microversion="2.10")
        created = value(before, "keypaird_http_requests_total", **labels) or 0
        listed = value(before, "keypaird_http_requests_total", route="keypairs", method="GET",
                       status="200", microversion="2.10") or 0
        body = {"keypair": {"name": "m1", "public_key": ED25519}}
        status, _, _ = self.server.json("POST", "/v2.1/os-keypairs", body=body)
        self.assertEqual(status, 201)
        for _ in range(3):
            self.assertEqual(self.server.json("GET", "/v2.1/os-keypairs")[0], 200)
        self.assertEqual(self.server.json("GET", "/v2.1/os-keypairs/m1")[0], 200)
        self.assertEqual(self.server.json("GET", "/v2.1/os-keypairs/nope", version="2.1")[0], 404)

        _, after = self.scrape()
        self.assertEqual(value(after, "keypaird_http_requests_total", **labels), created + 1)
        self.assertEqual(value(after, "keypaird_http_requests_total", route="keypairs",
                               method="GET", status="200", microversion="2.10"), listed + 3)
        self.assertGreaterEqual(value(after, "keypaird_http_requests_total", route="keypair",
                                      status="404", microversion="2.1"), 1)
        self.assertGreaterEqual(value(after, "keypaird_http_request_duration_seconds_count",
                                      route="keypairs", method="GET"), 3)
        inf = value(after, "keypaird_http_request_duration_seconds_bucket", route="keypairs",
                    method="GET", le="+Inf")
        self.assertEqual(inf, value(after, "keypaird_http_request_duration_seconds_count",
                                    route="keypairs", method="GET"))
        self.assertGreaterEqual(value(after, "keypaird_store_operation_duration_seconds_count",
                                      operation="create"), 1)
        self.assertEqual(value(after, "keypaird_store_errors_total", operation="create"), 0)
        self.assertGreater(value(after, "process_resident_memory_bytes"), 1e6)
        self.assertGreater(value(after, "process_open_fds"), 2)
        self.assertLess(abs(value(after, "process_start_time_seconds") - time.time()), 3600)

    def test_names_never_become_labels(self):
        for i in range(5):
            self.server.json("GET", f"/v2.1/os-keypairs/secret-name-{i}")
            self.server.request("GET", f"/some/unknown/path-{i}")
        _, samples = self.scrape()
        for name, labels, _ in samples:
            for v in labels.values():
                self.assertNotIn("secret-name", v)
                self.assertNotIn("path-", v)
        routes = {l["route"] for n, l, _ in samples if n == "keypaird_http_requests_total"}
        self.assertLessEqual(routes, {"root", "versions", "keypairs", "keypair", "healthcheck",
                                      "metrics", "other"})

    def test_bogus_microversions_do_not_add_series(self):
        for minor in range(200, 210):
            self.server.json("GET", "/v2.1/os-keypairs", version=f"2.{minor}")
        _, samples = self.scrape()
        versions = {l["microversion"] for n, l, _ in samples
                    if n == "keypaird_http_requests_total"}
        self.assertFalse(any(v.startswith("2.2") and len(v) == 5 for v in versions), versions)

    def test_main_port_needs_the_token(self):
        status, headers, _ = self.server.request("GET", "/metrics")
        self.assertEqual(status, 401)
        status, _, _ = self.server.request("GET", "/metrics",
                                           headers={"Authorization": "Bearer wrong"})
        self.assertEqual(status, 401)
        status, _, _ = self.server.request("GET", "/metrics",
                                           headers={"X-Auth-Token": "t0ps3cret"})
        self.assertEqual(status, 401)
        status, _, body = self.server.request("GET", "/metrics",
                                              headers={"Authorization": "Bearer t0ps3cret"})
        self.assertEqual(status, 200)
        parse_prometheus(body.decode())

    def test_metrics_listener_serves_nothing_else(self):
        other = Keypaird.__new__(Keypaird)
        other.port = self.metrics_port
        self.assertEqual(Keypaird.request(other, "GET", "/v2.1/os-keypairs",
                                          headers={"X-Auth-Token": "alice"})[0], 404)
        self.assertEqual(Keypaird.request(other, "GET", "/healthcheck")[0], 200)


class MetricsOffByDefaultTest(unittest.TestCase):
    def test_metrics_is_an_unknown_path_without_settings(self):
        server = Keypaird(BINARY).start()
        try:
            status, _, body = server.request("GET", "/metrics")
            self.assertEqual(status, 300)  # Nova's choices page, as for any unknown path
            self.assertIn(b"choices", body)
            status, _, _ = server.request("GET", "/metrics",
                                          headers={"Authorization": "Bearer "})
            self.assertEqual(status, 300)
        finally:
            server.cleanup()


class HealthcheckTest(unittest.TestCase):
    def setUp(self):
        self.server = Keypaird(BINARY)
        self.disable = os.path.join(self.server.dir, "healthcheck_disable")
        with open(self.server.config_path, "a") as f:
            f.write(f"[healthcheck]\ndisable_by_file_path = {self.disable}\n")
        self.server.start()

    def tearDown(self):
        self.server.cleanup()

    def check(self, method="GET", headers=None):
        status, h, body = self.server.request(method, "/healthcheck", headers=headers)
        return status, dict(h), body

    def test_healthy_answers_like_oslo(self):
        status, headers, body = self.check()
        self.assertEqual((status, body), (200, b"OK"))
        self.assertEqual(headers["Content-Type"], "text/plain; charset=UTF-8")
        status, headers, body = self.check("HEAD")
        self.assertEqual((status, body), (204, b""))
        status, headers, body = self.check(headers={"Accept": "application/json"})
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {"detailed": False, "reasons": ["OK"]})
        self.assertNotIn("x-openstack-request-id", {k.lower() for k in headers})

    def test_disable_file(self):
        open(self.disable, "w").close()
        status, _, body = self.check()
        self.assertEqual((status, body), (503, b"DISABLED BY FILE"))
        self.assertEqual(self.check("HEAD")[0], 503)
        os.unlink(self.disable)
        self.assertEqual(self.check()[:1], (200,))

    def test_store_going_away_and_coming_back(self):
        # Make the store really unreachable: the database file is moved away (as a failed disk
        # or a wrong mount would), then put back.
        self.assertEqual(self.check()[0], 200)
        moved = self.server.db_path + ".away"
        os.rename(self.server.db_path, moved)
        try:
            status, _, body = self.check()
            self.assertEqual((status, body), (503, b"STORE UNAVAILABLE"))
        finally:
            os.rename(moved, self.server.db_path)
        status, _, body = self.check()
        self.assertEqual((status, body), (200, b"OK"))
        # And the API works again.
        self.assertEqual(self.server.json("GET", "/v2.1/os-keypairs")[0], 200)


class AccessLogTest(unittest.TestCase):
    def run_requests(self, server):
        """A whole API session: tokens in headers, imported and generated keys."""
        tokens = ["alice:a11ce000", "bob:b0b0b0b0", "admin:admin"]
        private_keys = []
        for token in tokens:
            user = token.split(":")[0]
            status, body, _ = server.json("POST", "/v2.1/os-keypairs", token=token,
                                          body={"keypair": {"name": "gen-" + user}})
            self.assertEqual(status, 201)
            private_keys.append(body["keypair"]["private_key"])
            status, body, _ = server.json("POST", "/v2.1/os-keypairs", token=token,
                                          version="2.2",
                                          body={"keypair": {"name": "x-" + user,
                                                            "type": "x509"}})
            self.assertEqual(status, 201)
            private_keys.append(body["keypair"]["private_key"])
            server.json("POST", "/v2.1/os-keypairs", token=token,
                        body={"keypair": {"name": "imp", "public_key": ED25519}})
            server.json("GET", "/v2.1/os-keypairs?limit=1&marker=zz", token=token,
                        version="2.35")
            server.json("GET", "/v2.1/os-keypairs/imp", token=token)
            server.json("DELETE", "/v2.1/os-keypairs/imp", token=token)
            server.request("GET", "/v2.1/os-keypairs", token=token + "x")
            server.request("POST", "/v2.1/os-keypairs", token=token,
                           headers={"Content-Type": "application/json"},
                           raw_body=b'{"keypair": {"name": "bad", "public_key": "ssh-rsa AAA"}}')
        server.request("GET", "/v2.1/os-keypairs")  # noauth2 issues a token here
        return tokens + [t + "x" for t in tokens], private_keys

    def assert_clean(self, log, tokens, private_keys):
        self.assertNotIn("PRIVATE KEY", log)
        for key in private_keys:
            for line in key.splitlines():
                if len(line) > 20 and "-----" not in line:
                    self.assertNotIn(line, log)
        for token in tokens:
            self.assertNotIn(token, log)
        self.assertNotIn("marker=zz", log)  # no query strings

    def test_text_log_to_stderr_at_debug(self):
        server = Keypaird(BINARY, "[DEFAULT]\ndebug = true\n").start()
        try:
            tokens, private_keys = self.run_requests(server)
            server.stop()
            log = server.read_log()
            self.assert_clean(log, tokens, private_keys)
            lines = [l for l in log.splitlines() if " access " in l]
            self.assertTrue(any(re.search(
                r' INFO access \[req-[0-9a-f-]{36} alice\] "POST /v2.1/os-keypairs" status: 201 '
                r'microversion: 2\.10 time: \d+\.\d{7}$', l) for l in lines), lines[:5])
            # The token noauth2 issues to a request without one is in a header: never logged.
            self.assertTrue(any(re.search(r'\[req-[0-9a-f-]{36} -\] "GET /v2.1/os-keypairs" '
                                          r'status: 204 microversion: - ', l) for l in lines))
        finally:
            server.cleanup()

    def test_json_log_file_reopened_on_sighup(self):
        server = Keypaird(BINARY)
        log_file = os.path.join(server.dir, "api.log")
        with open(server.config_path, "a") as f:
            f.write(f"[DEFAULT]\nuse_json = true\nlog_file = {log_file}\n")
        server.start()
        try:
            tokens, private_keys = self.run_requests(server)
            rotated = log_file + ".1"
            os.rename(log_file, rotated)
            server.json("GET", "/v2.1/os-keypairs", token="carol:c0c0c0c0")
            server.process.send_signal(signal.SIGHUP)
            deadline = time.time() + 10
            while not os.path.exists(log_file) and time.time() < deadline:
                time.sleep(0.05)
            server.json("GET", "/v2.1/os-keypairs", token="dave:d0d0d0d0")
            server.stop()
            with open(rotated) as f:
                old = f.read()
            with open(log_file) as f:
                new = f.read()
            self.assert_clean(old + new, tokens + ["carol:c0c0c0c0", "dave:d0d0d0d0"],
                              private_keys)
            records = [json.loads(l) for l in (old + new).splitlines()]
            access = [r for r in records if r["logger"] == "access"]
            self.assertTrue(access)
            for r in access:
                self.assertEqual(set(r), {"timestamp", "level", "logger", "pid", "request_id",
                                          "user_id", "method", "path", "route", "status",
                                          "microversion", "duration"})
            self.assertIn("carol", [r["user_id"] for r in access if r in
                                    [json.loads(l) for l in old.splitlines()]])
            self.assertIn("dave", [json.loads(l).get("user_id") for l in new.splitlines()])
            self.assertTrue(any(r.get("message") == "SIGHUP: log file reopened"
                                for r in map(json.loads, new.splitlines())))
            created = [r for r in access if r["method"] == "POST" and r["status"] == 201]
            self.assertTrue(all(r["route"] == "keypairs" and r["microversion"] for r in created))
            # Nothing went to stderr but start-up failures.
            self.assertEqual(server.read_log(), "")
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
