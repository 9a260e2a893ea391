#!/usr/bin/env python3
"""Checks the oracle itself: replays the 927 conformance recordings (tests/conformance) against
the live nova-api that nova_api_server.py starts, instead of keypaird. Every recording Nova
itself fails here is a way this Nova set-up differs from the one that was recorded (or a
documented divergence, which Nova of course fails: those are expected and listed).

    python3 tests/differential/replay_on_nova.py [--only 1-100] [--verbose]

Python 3.11 standard library only (nova-api itself runs under Debian's python3).
"""

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "conformance"))
import replay  # noqa: E402
from nova_api_server import NovaApi  # noqa: E402


class NovaAsServer:
    """replay.Server's interface over NovaApi."""

    def __init__(self, binary, tmp, database_url=None):
        self.nova = NovaApi(quota=5)
        self.port = None

    @property
    def base_url(self):
        return f"http://{replay.HOST}:{self.port}"

    @property
    def process(self):
        return self.nova.process

    def start(self):
        began = time.monotonic()
        self.nova.start()
        self.port = self.nova.port
        print(f"nova-api up at {self.base_url} in {time.monotonic() - began:.1f} s", flush=True)

    def alive(self):
        return self.nova.alive()

    def exits_within(self, seconds):
        return False

    def stderr_tail(self, lines=30):
        return self.nova.read_log(tail=lines)

    def stop(self):
        self.nova.cleanup()


def main(argv):
    replay.Server = NovaAsServer
    # Nova fails the documented divergences by definition; the ratchet is not about Nova.
    replay.KNOWN_FAILURES_FILE = HERE / "nova_known_failures.txt"
    return replay.main(["--binary", "nova-api", "--keep-going", "--timeout", "120"] + argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
