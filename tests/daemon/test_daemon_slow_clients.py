"""Slow and idle HTTP clients against the real daemon on 127.0.0.1: 300 half-open connections
(slowloris) hold no thread, do not keep /healthz from answering, and are closed after the
read timeout (issue 18). Every loop here is bounded in count and time."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.daemon.process import Daemon, write_config

HALF_OPEN = 300
READ_TIMEOUT = 1.0  # server.read_timeout below


def threads_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("Threads:"))


def open_half(port: int, count: int) -> list[socket.socket]:
    """Connections that send a request line and a header but never the blank line that ends them."""
    opened = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: slow\r\n")
        opened.append(sock)
    return opened


def still_open(sockets: list[socket.socket]) -> list[socket.socket]:
    left = []
    for sock in sockets:
        try:
            if sock.recv(1, socket.MSG_DONTWAIT) == b"":
                continue  # the server closed it
        except BlockingIOError:
            left.append(sock)
        except OSError:
            continue  # reset by the server: closed as well
    return left


@pytest.fixture
def daemon(tmp_path: Path):
    config = write_config(
        tmp_path / "monitor.yaml", store=f"sqlite:///{tmp_path / 'state.db'}", monitors={"m": "{every: 1h}"}
    )
    text = config.read_text().replace(
        "server: {host: 127.0.0.1, port: 0}",
        "server: {host: 127.0.0.1, port: 0, read_timeout: 1s, threads: 2}",
    )
    config.write_text(text)
    running = Daemon(config)
    yield running
    running.stop()


def test_half_open_connections_hold_no_thread_and_are_closed(daemon: Daemon) -> None:
    port = int(daemon.url.rsplit(":", 1)[1])
    assert daemon.get("/healthz")[0] in (200, 503)
    before = threads_of(daemon.process.pid)
    sockets = open_half(port, HALF_OPEN)
    try:
        # while they are held, the daemon answers and has no thread per connection
        started = time.monotonic()
        status, _ = daemon.get("/healthz")
        assert status in (200, 503)
        assert time.monotonic() - started < 5
        # no thread per connection (the daemon's own runs may start a few meanwhile)
        assert threads_of(daemon.process.pid) < before + HALF_OPEN // 10
        # and it closes every one of them soon after the read timeout
        deadline = time.monotonic() + READ_TIMEOUT + 10
        left = still_open(sockets)
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = still_open(left)
        assert not left, f"{len(left)} of {HALF_OPEN} half-open connections still open"
    finally:
        for sock in sockets:
            sock.close()
    assert daemon.get("/healthz")[0] in (200, 503)


def test_an_idle_keep_alive_connection_is_closed(daemon: Daemon) -> None:
    port = int(daemon.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT + 10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: idle\r\n\r\n")
        received = b""
        started = time.monotonic()
        while chunk := sock.recv(65536):  # the answer, then EOF once the server gives up waiting
            received += chunk
        assert received.startswith(b"HTTP/1.1 ")
        assert time.monotonic() - started < READ_TIMEOUT + 10
