"""Regression (found by tests/differential against the real nova-api): Nova's 404 for a path or
method it has no route for, and the 413 of its size limit, are webob error pages, and webob
answers them in the format the Accept header prefers of text/html and application/json (its
RFC 7231 reader: an invalid header accepts everything, so HTML; no header or an empty one
accepts nothing, so text). A HEAD gets no body and webob's HTML type. keypaird always answered
the text page. The cases' formats are what webob 1.8.6 (Debian 12) decides."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)

HTML_404 = ("<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not "
            "Found</h1>\n  The resource could not be found.<br /><br />\n\n\n\n </body>\n</html>")
JSON_404 = {"message": "The resource could not be found.<br /><br />\n\n\n",
            "code": "404 Not Found", "title": "Not Found"}
TEXT_404 = "404 Not Found\n\nThe resource could not be found.\n\n   "

# (Accept header or None, the page format webob picks)
CASES = [
    (None, "plain"), ("", "plain"), ("*/*", "html"), ("text/html", "html"),
    ("application/json", "json"), ("application/*", "json"), ("application/xml", "plain"),
    ("text/plain", "plain"), ("application/json;q=0", "plain"),
    ("application/json;q=nan", "html"),  # not a q value: the header is invalid
    ("a b/c", "html"), ("application/json;x", "html"),
    ("application/*;q=0.5, application/vnd.openstack.compute+json;q=0.5", "json"),
    ("application/vnd.openstack.compute+json;q=0", "plain"),
    ("application/vnd.openstack.compute+json;Q=0,application/json;q=0.1", "json"),
    ("TEXT/html ;Q=0.25;ext,,text/vnd.openstack.compute+json;q=0.123;q=0.1", "html"),
    ("application/HTML ;Q=0.25;q=0.1  ,  Application/*", "json"),
    ("Application/* ;y=\"q\\\"x\";q=0.123", "json"),
    ("application/Json;q=0.25,,*/plain, ,TEXT/plain\t;level=1;w=\"\x80\"", "json"),
    ("TEXT/Json;q=0.0", "plain"),
    ("x-y/vnd.openstack.compute+json; charset=utf-8;q=1.0 ,x-y/*", "plain"),
    ("text/html;level=1", "plain"),  # a range with parameters never matches a bare offer
    ("text/*;level=1, application/json", "html"),
    ("*/*;q=0.5, application/json", "json"),
    ("application/json;q=0.5, text/*;q=0.5", "html"),  # a tie goes to text/html
    ("text/html;q=1.000", "html"), ("text/html;q=1.0001", "html"), (", text/html", "html"),
    (",,text/html", "html"), ("application/json, ,", "json"),
]


class ErrorPagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Keypaird(BINARY, extra_config="[oslo_middleware]\nmax_request_body_size = 100\n").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def get(self, accept, method="GET", path="/v2.1/os-keypairs/a/b", body=None):
        headers = {} if accept is None else {"Accept": accept}
        return self.server.request(method, path, "alice", "2.10", headers=headers, raw_body=body)

    def check_page(self, accept, expected, status, page):
        content_type = dict((k.lower(), v) for k, v in page[1])["content-type"]
        text = page[2].decode()
        if expected == "plain":
            self.assertEqual(content_type, "text/plain; charset=UTF-8", accept)
        elif expected == "html":
            self.assertEqual(content_type, "text/html; charset=UTF-8", accept)
            self.assertIn(f"<title>{status}</title>", text, accept)
        else:
            self.assertEqual(content_type, "application/json", accept)
            self.assertEqual(json.loads(text)["code"], status, accept)

    def test_not_found_page_follows_accept(self):
        for accept, expected in CASES:
            page = self.get(accept)
            self.assertEqual(page[0], 404, accept)
            self.check_page(accept, expected, "404 Not Found", page)
            self.assertEqual(page[2].decode(), {"plain": TEXT_404, "html": HTML_404,
                                                "json": json.dumps(JSON_404)}[expected], accept)

    def test_unrouted_methods_and_head(self):
        self.assertEqual(self.get("application/json", "PUT", "/v2.1/os-keypairs")[2].decode(),
                         json.dumps(JSON_404))
        for path in ("/v2.1/os-keypairs", "/v2.1/os-keypairs/k", "/v2.1/other/os-keypairs",
                     "/v2.1/os-keypairs/a/b"):
            status, headers, body = self.get("application/json", "HEAD", path)
            headers = dict((k.lower(), v) for k, v in headers)
            self.assertEqual((status, body), (404, b""), path)
            self.assertEqual(headers["content-type"], "text/html; charset=UTF-8", path)

    def test_too_large_page_follows_accept(self):
        for accept, expected in CASES:
            page = self.get(accept, "POST", "/v2.1/os-keypairs", b"x" * 200)
            self.assertEqual(page[0], 413, accept)
            self.check_page(accept, expected, "413 Request Entity Too Large", page)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
