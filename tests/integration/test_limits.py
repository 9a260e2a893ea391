"""Every limit a client can run into is a setting with a default, and is answered clearly:
body (413), header (431), URL (414), malformed requests (400), connections (new ones wait while
the open ones keep working), idle and slow clients (dropped after a timeout without holding a
network thread), and pipelined / keep-alive requests per connection (bounded)."""

import sys
import socket
import threading
import time
import unittest

from keypaird_process import Keypaird, binary_from_argv
from raw_http import RawConnection, get

BINARY = binary_from_argv(sys.argv)


class DefaultLimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Keypaird(BINARY).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def exchange(self, data):
        c = RawConnection(self.server.port)
        try:
            c.send(data)
            return c.read_response()
        finally:
            c.close()

    def test_body_over_114688_bytes_is_413(self):
        body = b'{"keypair": {"name": "' + b"n" * 114689 + b'"}}'
        status, _, _ = self.server.request(
            "POST", "/v2.1/os-keypairs", "alice:a11ce000", "2.10", raw_body=body,
            headers={"Content-Type": "application/json"})
        self.assertEqual(status, 413)

    def test_header_over_16k_is_431(self):
        status, headers, _ = self.exchange(get("/v2.1/os-keypairs", extra=b"X-Big: " + b"a" * 17000 + b"\r\n"))
        self.assertEqual(status, 431)
        self.assertEqual(headers["connection"], "close")
        status, _, _ = self.exchange(get("/v2.1/os-keypairs", extra=b"X-Fine: " + b"a" * 8000 + b"\r\n"))
        self.assertEqual(status, 200)

    def test_url_over_8k_is_414_even_beyond_the_header_limit(self):
        for length in (9000, 20000):
            status, _, _ = self.exchange(get("/v2.1/os-keypairs?marker=" + "m" * length))
            self.assertEqual(status, 414, length)
        status, _, _ = self.exchange(get("/v2.1/os-keypairs/" + "n" * 7000))
        self.assertEqual(status, 404)

    def test_malformed_request_is_400_and_closes(self):
        for junk in (b"GARBAGE\r\n\r\n", b"GET / HTTP/9\r\n\r\n", b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                     b"POST /v2.1/os-keypairs HTTP/1.1\r\nContent-Length: x\r\n\r\n"):
            status, headers, _ = self.exchange(junk)
            self.assertEqual(status, 400, junk)
            self.assertEqual(headers["connection"], "close")

    def test_pipelined_requests_are_answered_in_order(self):
        c = RawConnection(self.server.port)
        try:
            c.send(b"".join(get("/v2.1/os-keypairs/missing-%d" % i) for i in range(30)))
            for i in range(30):
                status, _, body = c.read_response()
                self.assertEqual(status, 404)
                self.assertIn(b"missing-%d " % i, body)
        finally:
            c.close()


class ConfiguredLimitsTest(unittest.TestCase):
    def start(self, config):
        server = Keypaird(BINARY, config).start()
        self.addCleanup(server.cleanup)
        return server

    def test_limits_follow_the_settings(self):
        server = self.start("[wsgi]\nmax_header_line = 4096\n[keypaird]\nmax_url_length = 1024\n"
                            "[oslo_middleware]\nmax_request_body_size = 100\n")
        def exchange(data):
            c = RawConnection(server.port)
            try:
                c.send(data)
                return c.read_response()[0]
            finally:
                c.close()
        self.assertEqual(exchange(get("/v2.1/os-keypairs", extra=b"X-B: " + b"a" * 5000 + b"\r\n")), 431)
        self.assertEqual(exchange(get("/v2.1/os-keypairs", extra=b"X-B: " + b"a" * 3000 + b"\r\n")), 200)
        self.assertEqual(exchange(get("/v2.1/os-keypairs?m=" + "a" * 1100)), 414)
        self.assertEqual(exchange(get("/v2.1/os-keypairs?marker=" + "a" * 900, version="2.35")), 400)  # no such marker
        status, _, _ = server.request("POST", "/v2.1/os-keypairs", "alice:a11ce000", "2.10",
                                      raw_body=b"x" * 101)
        self.assertEqual(status, 413)

    def test_requests_per_connection_are_bounded(self):
        server = self.start("[keypaird]\nmax_requests_per_connection = 5\n")
        c = RawConnection(server.port)
        try:
            c.send(b"".join(get("/v2.1/os-keypairs") for _ in range(20)))
            answers = []
            while True:
                answer = c.read_response()
                if answer is None:
                    break
                answers.append(answer)
            self.assertEqual(len(answers), 5)
            self.assertEqual([a[0] for a in answers], [200] * 5)
            self.assertEqual(answers[-1][1]["connection"], "close")
        finally:
            c.close()

    def test_beyond_max_connections_new_ones_wait_and_open_ones_keep_working(self):
        server = self.start("[wsgi]\ndefault_pool_size = 4\n")
        open_ones = [RawConnection(server.port) for _ in range(4)]
        try:
            for c in open_ones:
                c.send(get("/v2.1/os-keypairs"))
                self.assertEqual(c.read_response()[0], 200)
            waiting = RawConnection(server.port)  # the kernel's backlog takes it
            waiting.send(get("/v2.1/os-keypairs"))
            with self.assertRaises(TimeoutError):
                waiting.read_response(timeout=1)
            for c in open_ones:  # the ones we have still work
                c.send(get("/v2.1/os-keypairs"))
                self.assertEqual(c.read_response()[0], 200)
            open_ones.pop().close()
            self.assertEqual(waiting.read_response(timeout=10)[0], 200)
            waiting.close()
        finally:
            for c in open_ones:
                c.close()

    def test_idle_connections_are_closed_after_client_socket_timeout(self):
        server = self.start("[wsgi]\nclient_socket_timeout = 1\n")
        c = RawConnection(server.port)
        try:
            started = time.time()
            self.assertTrue(c.closed_by_peer(10))
            self.assertLess(time.time() - started, 5)
        finally:
            c.close()

    def test_a_client_sending_one_byte_a_second_is_dropped_and_holds_no_thread(self):
        # One network thread: if a slow client could hold it, nobody else would be answered.
        server = self.start("[DEFAULT]\nosapi_compute_workers = 1\n[keypaird]\nrequest_timeout = 3\n")
        request = get("/v2.1/os-keypairs")
        dropped = {}

        def trickle(i):
            c = RawConnection(server.port)
            started = time.time()
            try:
                for byte in request:
                    c.send(bytes([byte]))
                    if c.closed_by_peer(1.0):
                        break
            except OSError:
                pass
            dropped[i] = time.time() - started
            c.close()

        slow = [threading.Thread(target=trickle, args=(i,)) for i in range(5)]
        for t in slow:
            t.start()
        time.sleep(0.5)
        for _ in range(10):
            started = time.time()
            status, _, _ = server.request("GET", "/v2.1/os-keypairs", "alice:a11ce000", "2.10")
            self.assertEqual(status, 200)
            self.assertLess(time.time() - started, 2)
        for t in slow:
            t.join(30)
        self.assertEqual(len(dropped), 5)
        for seconds in dropped.values():  # dropped after the 3 s timeout, long before its end
            self.assertGreater(seconds, 2)
            self.assertLess(seconds, 10)

    def test_a_client_that_stops_reading_is_dropped_after_request_timeout(self):
        server = self.start("[keypaird]\nrequest_timeout = 2\n"
                            "max_requests_per_connection = 100000\n")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills at once
        sock.connect(("127.0.0.1", server.port))
        sock.settimeout(0.5)
        request = get("/v2.1/os-keypairs")
        sent = 0
        try:  # pipelined answers pile up unread until the server's write blocks
            while sent < 50000:
                sock.sendall(request)
                sent += 1
        except (socket.timeout, OSError):
            pass
        self.assertGreater(sent, 100)
        time.sleep(4)  # longer than request_timeout, without reading
        sock.settimeout(10)
        received, started = 0, time.time()
        try:
            while True:
                chunk = sock.recv(1 << 20)
                if not chunk:
                    break
                received += len(chunk)
        except (socket.timeout, ConnectionResetError):
            pass
        sock.close()
        # Closed while it waited: far from every answer (each over 300 bytes) arrived, and the
        # end came at once.
        self.assertLess(received, sent * 300 // 2, (sent, received))
        self.assertLess(time.time() - started, 5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
