import os

import pytest

# Our product never sends telemetry; Evidently is imported by some tests as the oracle.
os.environ.setdefault("EVIDENTLY_DISABLE_TELEMETRY", "1")
# LightGBM (the domain classifier, NannyML's oracles) on one thread in each test process and the
# processes it starts: its n_jobs=-1 means a thread per core (joblib's count, which this caps),
# and with every core busy with the other workers its threads wait on each other, each fit
# taking twenty times as long. The tests' tolerances do not depend on the thread count.
os.environ.setdefault("LOKY_MAX_CPU_COUNT", "1")


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver on a free loopback port, never a fixed one, whichever test starts it
    (its server lives for the whole session)."""
    return ("127.0.0.1", 0)
