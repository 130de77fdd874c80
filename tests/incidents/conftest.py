import pytest


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver on a free loopback port, never a fixed one."""
    return ("127.0.0.1", 0)
