"""Self-check of the conformance comparator (compare.py): placeholders, generated-key checks,
headers (Vary in particular), request ids and the divergence adjustments.

    python3 -m unittest tests/conformance/test_compare.py
"""

import base64
import hashlib
import json
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402
from compare import ActualResponse, Expectation  # noqa: E402

BASE_URL = "http://127.0.0.1:8774"
REQUEST_ID = "req-0c8b2a4e-1f0d-4c3b-9a7e-5d6f7a8b9c0d"
VERSION_HEADERS = {
    "Content-Length": "<varies>",
    "Content-Type": "application/json",
    "Openstack-Api-Version": "compute 2.10",
    "X-Openstack-Nova-Api-Version": "2.10",
    "Vary": ["OpenStack-API-Version", "X-OpenStack-Nova-API-Version"],
}


# --- tiny encoders to build keys the comparator must accept --------------------------------

def der_length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def der(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + der_length(len(content)) + content


def der_int(value: int) -> bytes:
    return der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def ssh_string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def ssh_mpint(value: int) -> bytes:
    return ssh_string(value.to_bytes(value.bit_length() // 8 + 1, "big"))


def pem(label: str, data: bytes) -> str:
    text = base64.b64encode(data).decode()
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def fake_rsa_key(n: int, e: int = 65537) -> tuple[str, str, str]:
    """(private PEM, ssh public key, md5 fingerprint) with matching numbers."""
    private_der = der(0x30, der_int(0) + der_int(n) + der_int(e) + der_int(12345))
    blob = ssh_string(b"ssh-rsa") + ssh_mpint(e) + ssh_mpint(n)
    public = "ssh-rsa " + base64.b64encode(blob).decode() + " Generated-by-Nova"
    fingerprint = compare.colon_hex(hashlib.md5(blob).digest())
    return pem("RSA PRIVATE KEY", private_der), public, fingerprint


N1 = (1 << 2047) + 12345
N2 = (1 << 2047) + 67891


def response(status=200, headers=None, body=b"", request_id=True):
    headers = list(headers or [])
    if request_id:
        headers += [("x-openstack-request-id", REQUEST_ID), ("x-compute-request-id", REQUEST_ID)]
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    return ActualResponse(status, "", headers, body)


def version_headers(length="42", vary=("OpenStack-API-Version, X-OpenStack-Nova-API-Version",)):
    return [("Content-Length", length), ("Content-Type", "application/json"),
            ("OpenStack-API-Version", "compute 2.10"), ("X-OpenStack-Nova-API-Version", "2.10")
            ] + [("Vary", value) for value in vary]


def json_expectation(body, status=200, headers=None):
    return Expectation(status=status, body_format="json", body=body,
                       headers=dict(VERSION_HEADERS if headers is None else headers))


def problems(expected, actual):
    return compare.compare(expected, actual, BASE_URL)


class PlaceholderTest(unittest.TestCase):
    def check(self, expected, actual):
        return compare.compare_json(expected, actual, compare.Context(base_url=BASE_URL))

    def test_base_url_is_substituted_inside_strings(self):
        self.assertIsNone(self.check("<base_url>/v2.1/", BASE_URL + "/v2.1/"))
        self.assertIn("expected", self.check("<base_url>/v2.1/", "http://other:1/v2.1/"))

    def test_timestamp_shape(self):
        stamp = compare.TIMESTAMP_PLACEHOLDER
        self.assertIsNone(self.check(stamp, "2026-05-09T07:35:25.123456"))
        self.assertIsNotNone(self.check(stamp, "2026-05-09T07:35:25"))
        self.assertIsNotNone(self.check(stamp, "2026-05-09T07:35:25.123456Z"))
        self.assertIsNotNone(self.check(stamp, None))

    def test_id_is_an_integer(self):
        self.assertIsNone(self.check("<id>", 7))
        self.assertIsNotNone(self.check("<id>", "7"))
        self.assertIsNotNone(self.check("<id>", True))

    def test_scalars_keep_their_type(self):
        self.assertIsNotNone(self.check(True, 1))
        self.assertIsNotNone(self.check(400, 400.0))
        self.assertIsNone(self.check(None, None))

    def test_objects_report_path_of_first_difference(self):
        expected = {"keypairs": [{"keypair": {"name": "a"}}, {"keypair": {"name": "b"}}]}
        actual = {"keypairs": [{"keypair": {"name": "a"}}, {"keypair": {"name": "c"}}]}
        self.assertTrue(self.check(expected, actual).startswith("$.keypairs[1].keypair.name:"))
        self.assertIn("missing key 'x'", self.check({"x": 1}, {}))
        self.assertIn("unexpected key 'y'", self.check({}, {"y": 1}))
        self.assertIn("expected 1 items", self.check([1], [1, 2]))

    def test_generated_ssh_key_with_matching_fingerprint_and_private_key(self):
        private, public, fingerprint = fake_rsa_key(N1)
        expected = {"private_key": compare.RSA_PRIVATE_KEY_PLACEHOLDER,
                    "public_key": compare.SSH_PUBLIC_KEY_PLACEHOLDER,
                    "fingerprint": compare.MD5_FINGERPRINT_PLACEHOLDER}
        actual = {"private_key": private, "public_key": public, "fingerprint": fingerprint}
        self.assertIsNone(self.check(expected, actual))

    def test_fingerprint_must_belong_to_the_public_key(self):
        _, public, _ = fake_rsa_key(N1)
        _, _, other_fingerprint = fake_rsa_key(N2)
        expected = {"public_key": compare.SSH_PUBLIC_KEY_PLACEHOLDER,
                    "fingerprint": compare.MD5_FINGERPRINT_PLACEHOLDER}
        problem = self.check(expected, {"public_key": public, "fingerprint": other_fingerprint})
        self.assertIn("is not the md5", problem)

    def test_private_key_must_belong_to_the_public_key(self):
        private, _, _ = fake_rsa_key(N1)
        _, public, fingerprint = fake_rsa_key(N2)
        expected = {"private_key": compare.RSA_PRIVATE_KEY_PLACEHOLDER,
                    "public_key": compare.SSH_PUBLIC_KEY_PLACEHOLDER,
                    "fingerprint": compare.MD5_FINGERPRINT_PLACEHOLDER}
        actual = {"private_key": private, "public_key": public, "fingerprint": fingerprint}
        self.assertIn("does not belong", self.check(expected, actual))

    def test_generated_ssh_key_needs_nova_comment(self):
        _, public, _ = fake_rsa_key(N1)
        self.assertIsNotNone(self.check(compare.SSH_PUBLIC_KEY_PLACEHOLDER,
                                        public.replace("Generated-by-Nova", "me@host")))

    def test_x509_certificate_sha1_fingerprint(self):
        certificate_der = der(0x30, der(0x30, b"\x01" * 300))
        certificate = pem("CERTIFICATE", certificate_der)
        expected = {"public_key": compare.CERTIFICATE_PLACEHOLDER,
                    "fingerprint": compare.SHA1_FINGERPRINT_PLACEHOLDER,
                    "private_key": compare.PKCS12_PLACEHOLDER}
        pkcs12 = base64.b64encode(der(0x30, b"\x02" * 100)).decode()
        good = compare.colon_hex(hashlib.sha1(certificate_der).digest())
        actual = {"public_key": certificate, "fingerprint": good, "private_key": pkcs12}
        self.assertIsNone(self.check(expected, actual))
        actual["fingerprint"] = compare.colon_hex(hashlib.sha1(b"other").digest())
        self.assertIn("is not the sha1", self.check(expected, actual))
        actual["fingerprint"], actual["private_key"] = good, pkcs12[:40] + "\n" + pkcs12[40:]
        self.assertIn("single-line base64", self.check(expected, actual))

    def test_pem_armour_must_be_exact(self):
        certificate = pem("CERTIFICATE", der(0x30, b"\x01" * 100))
        self.assertIsNone(self.check(compare.CERTIFICATE_PLACEHOLDER, certificate))
        self.assertIsNotNone(self.check(compare.CERTIFICATE_PLACEHOLDER, certificate.rstrip()))
        self.assertIsNotNone(self.check(compare.CERTIFICATE_PLACEHOLDER,
                                        certificate.replace("\n", "\r\n")))


class BodyTest(unittest.TestCase):
    def test_text_body_compared_exactly(self):
        text = "404 Not Found\n\nThe resource could not be found.\n\n   "
        expected = Expectation(404, "text", text, {})
        self.assertEqual([], problems(expected, response(404, body=text.encode())))
        self.assertTrue(problems(expected, response(404, body=text.strip().encode())))

    def test_empty_body_must_be_empty(self):
        expected = Expectation(204, "empty", "", {})
        self.assertEqual([], problems(expected, response(204)))
        self.assertTrue(problems(expected, response(204, body=b"{}")))

    def test_duplicate_json_keys_rejected(self):
        expected = json_expectation({"a": 1}, headers={})
        actual = response(body=b'{"a": 1, "a": 1}')
        self.assertIn("duplicate key", problems(expected, actual)[0])


class HeaderTest(unittest.TestCase):
    expected = json_expectation({"ok": True})

    def test_vary_as_one_comma_joined_line(self):
        actual = response(headers=version_headers(), body={"ok": True})
        self.assertEqual([], problems(self.expected, actual))

    def test_vary_as_several_lines(self):
        actual = response(headers=version_headers(
            vary=("OpenStack-API-Version", "X-OpenStack-Nova-API-Version")), body={"ok": True})
        self.assertEqual([], problems(self.expected, actual))

    def test_vary_incomplete_or_reordered(self):
        for vary in (("OpenStack-API-Version",),
                     ("X-OpenStack-Nova-API-Version, OpenStack-API-Version",), ()):
            actual = response(headers=version_headers(vary=vary), body={"ok": True})
            self.assertTrue(any("Vary" in p for p in problems(self.expected, actual)), vary)

    def test_header_names_case_insensitive(self):
        headers = [(name.upper(), value) for name, value in version_headers()]
        self.assertEqual([], problems(self.expected, response(headers=headers, body={"ok": True})))

    def test_unrecorded_listed_header_must_be_absent(self):
        headers = version_headers() + [("Location", BASE_URL + "/x")]
        found = problems(self.expected, response(headers=headers, body={"ok": True}))
        self.assertEqual(["header Location: expected absent, got ['http://127.0.0.1:8774/x']"],
                         found)

    def test_other_headers_ignored(self):
        headers = version_headers() + [("Date", "today"), ("Server", "keypaird")]
        self.assertEqual([], problems(self.expected, response(headers=headers, body={"ok": True})))

    def test_content_length_zero_versus_non_zero(self):
        expected = Expectation(204, "empty", "", {"Content-Length": "0"})
        self.assertEqual([], problems(expected, response(204, [("Content-Length", "0")])))
        head = Expectation(200, "empty", "", {"Content-Length": "369"})
        self.assertEqual([], problems(head, response(200, [("Content-Length", "5")])))
        self.assertTrue(problems(head, response(200, [("Content-Length", "0")])))
        self.assertTrue(problems(head, response(200, [])))

    def test_base_url_in_header(self):
        expected = Expectation(204, "empty", "", {
            "X-Server-Management-Url": "<base_url>/v2.1/os-keypairs/admin"})
        good = [("X-Server-Management-Url", BASE_URL + "/v2.1/os-keypairs/admin")]
        self.assertEqual([], problems(expected, response(204, good)))


class RequestIdTest(unittest.TestCase):
    def test_present_and_equal(self):
        expected = Expectation(204, "empty", "", {}, request_ids=True)
        self.assertEqual([], problems(expected, response(204)))
        other = [("x-openstack-request-id", REQUEST_ID),
                 ("x-compute-request-id", REQUEST_ID.replace("0c8b", "1c8b"))]
        self.assertTrue(problems(expected, response(204, other, request_id=False)))
        self.assertTrue(problems(expected, response(204, request_id=False)))

    def test_must_be_uuid4(self):
        expected = Expectation(204, "empty", "", {}, request_ids=True)
        not_v4 = REQUEST_ID.replace("-4c3b-", "-1c3b-")
        headers = [("x-openstack-request-id", not_v4), ("x-compute-request-id", not_v4)]
        found = problems(expected, response(204, headers, request_id=False))
        self.assertIn("not req-<uuid4>", found[0])

    def test_absent_when_recorded_null(self):
        expected = Expectation(204, "empty", "", {}, request_ids=False)
        self.assertEqual([], problems(expected, response(204, request_id=False)))
        self.assertTrue(problems(expected, response(204)))

    def test_reuse_detected(self):
        expected = Expectation(204, "empty", "", {}, request_ids=True)
        seen: set[str] = set()
        self.assertEqual([], compare.compare(expected, response(204), BASE_URL, seen))
        self.assertIn("already used", compare.compare(expected, response(204), BASE_URL, seen)[0])


class DivergenceTest(unittest.TestCase):
    def recorded(self, status, body, headers=None, request_ids=True):
        return compare.expectation_from_recording({
            "status": status, "body_format": "json" if body is not None else "empty",
            "body": body if body is not None else "",
            "headers": dict(VERSION_HEADERS) if headers is None else headers,
            "request_id_headers": {name: "<request_id>" if request_ids else None
                                   for name in compare.REQUEST_ID_HEADERS}})

    def test_bad_request_instead_of_500(self):
        expected = compare.expect_bad_request(self.recorded(500, {"computeFault": {
            "code": 500, "message": "The server has either erred"}}))
        good = response(400, version_headers(), {"badRequest": {"code": 400, "message": "bad"}})
        self.assertEqual([], problems(expected, good))
        fault = response(400, version_headers(), {"computeFault": {"code": 400, "message": "x"}})
        self.assertTrue(problems(expected, fault))

    def test_any_json_client_error_instead_of_bare_500(self):
        expected = compare.expect_json_client_error(self.recorded(
            500, None, {"Content-Type": "text/plain", "Content-Length": "0"}, request_ids=False))
        good = response(404, version_headers(),
                        {"itemNotFound": {"code": 404, "message": "Keypair not found"}})
        self.assertEqual([], problems(expected, good))
        wrong_code = {"badRequest": {"code": 404, "message": "x"}}
        self.assertTrue(problems(expected, response(400, version_headers(), wrong_code)))
        server_error = {"computeFault": {"code": 500, "message": "x"}}
        self.assertTrue(problems(expected, response(500, version_headers(), server_error)))

    def test_utf8_path_decoding(self):
        mojibake = "Keypair ключ not found for user u".encode("utf-8").decode("latin-1")
        expected = compare.expect_utf8_path_decoding(self.recorded(
            404, {"itemNotFound": {"code": 404, "message": mojibake}}))
        message = "Keypair ключ not found for user u"
        good = response(404, version_headers(), {"itemNotFound": {"code": 404, "message": message}})
        self.assertEqual([], problems(expected, good))

    def test_x509_message_prefix(self):
        nova = ("Keypair data is invalid: failed to generate X509 fingerprint. Error message: "
                "Unable to load PEM file. MalformedFraming")
        expected = compare.expect_x509_message_prefix(self.recorded(
            400, {"badRequest": {"code": 400, "message": nova}}))
        ours = nova.split("Error message: ")[0] + "Error message: not a PEM certificate"
        good = response(400, version_headers(), {"badRequest": {"code": 400, "message": ours}})
        self.assertEqual([], problems(expected, good))
        bare = response(400, version_headers(), {"badRequest": {"code": 400,
                        "message": nova.split("Error message: ")[0] + "Error message: "}})
        self.assertTrue(problems(expected, bare))
        other = response(400, version_headers(), {"badRequest": {"code": 400, "message": "x"}})
        self.assertTrue(problems(expected, other))

    def test_recording_not_mutated(self):
        recording = {"status": 400, "body_format": "json",
                     "body": {"badRequest": {"code": 400, "message": "a Error message: b"}},
                     "headers": {}, "request_id_headers": {}}
        compare.expect_x509_message_prefix(compare.expectation_from_recording(recording))
        self.assertEqual("a Error message: b", recording["body"]["badRequest"]["message"])


if __name__ == "__main__":
    unittest.main()
