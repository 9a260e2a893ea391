#!/usr/bin/env python3
"""Checks the oracle itself: replays the 927 conformance recordings (tests/conformance) against
the live nova-api that nova_api_server.py starts, instead of keypaird. Every recording Nova
itself fails here is a way this Nova set-up differs from the one that was recorded (or a
documented divergence, which Nova of course fails: those are expected and listed).

    python3 tests/differential/replay_on_nova.py [--only 1-100] [--verbose] [--mariadb-nova]

With --mariadb-nova, Nova's API database is on a throwaway MariaDB (`nova-manage api_db sync`),
as keypaird's schema = nova_api finds it: the recordings Nova then fails on top of its
divergences must be exactly tests/conformance/known_failures_nova_api.txt, i.e. nova-api on
MariaDB answers them as keypaird in Nova mode does.

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

    def __init__(self, binary, tmp, database_url=None, schema="keypaird"):
        # --mariadb-nova: nova-api's own API database on the throwaway MariaDB, as keypaird's
        # schema = nova_api uses it (its failures there are then nova-api's own answers on
        # MariaDB, known_failures_nova_api.txt).
        self.nova = NovaApi(quota=5,
                            api_database=database_url if schema == "nova_api" else None)
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
