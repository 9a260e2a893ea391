"""Talks HTTP/1.1 over a plain socket, for tests that need what http.client hides: pipelining,
partial requests, byte-by-byte sending, and reading several answers from one connection."""

import socket
import time


class RawConnection:
    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.pending = b""

    def send(self, data):
        self.sock.sendall(data)

    def closed_by_peer(self, timeout):
        """True when the server closes (EOF or reset) within `timeout` seconds."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.pending += chunk
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def read_response(self, timeout=10):
        """(status, headers dict with lower-case names, body) of the next answer; None on EOF."""
        self.sock.settimeout(timeout)
        deadline = time.time() + timeout
        while b"\r\n\r\n" not in self.pending:
            if time.time() > deadline:
                raise TimeoutError("no complete response header")
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.pending += chunk
        head, self.pending = self.pending.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.pending) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed inside a body")
            self.pending += chunk
        body, self.pending = self.pending[:length], self.pending[length:]
        return status, headers, body

    def close(self):
        self.sock.close()


def get(path, token="alice:a11ce000", version="2.10", extra=b""):
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: {token}\r\n"
            f"OpenStack-API-Version: compute {version}\r\n").encode() + extra + b"\r\n"
