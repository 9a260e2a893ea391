"""Regression (found by the AddressSanitizer pass of .ci/run): with one io_context per network
thread, sockets accepted on the main thread's context belong to the other threads' contexts,
and the main context still held queued handlers with such sockets when it was destroyed, after
those contexts: a heap use-after-free whenever keypaird stopped with connections open (SIGABRT
under ASan, exit 134). The other contexts now outlive the main one. It fails only in the
sanitized build, where it runs too."""

import http.client
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from keypaird_process import Keypaird, binary_from_argv  # noqa: E402

BINARY = binary_from_argv(sys.argv)


class ShutdownOrderTest(unittest.TestCase):
    def test_stop_with_connections_open_exits_cleanly(self):
        server = Keypaird(BINARY).start()
        self.addCleanup(server.cleanup)

        def keep_asking():
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            try:
                while True:  # one keep-alive connection, back to back, until the server closes
                    connection.request("GET", "/v2.1/os-keypairs", headers={"X-Auth-Token": "a"})
                    response = connection.getresponse()
                    response.read()
                    if response.getheader("Connection", "").lower() == "close":
                        return
            except (OSError, http.client.HTTPException):
                return
            finally:
                connection.close()

        threads = [threading.Thread(target=keep_asking) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(30)
        self.assertEqual(server.process.wait(30), 0)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
