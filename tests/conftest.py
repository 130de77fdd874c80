import os

import pytest

# Our product never sends telemetry; Evidently is imported by some tests as the oracle.
os.environ.setdefault("EVIDENTLY_DISABLE_TELEMETRY", "1")


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver on a free loopback port, never a fixed one, whichever test starts it
    (its server lives for the whole session)."""
    return ("127.0.0.1", 0)
