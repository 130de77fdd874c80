"""A tiny real prediction log (SQLite) whose missing values we switch on hour by hour, and its config.

Hour ``h`` is the window that ends at ``T0 + h hours`` (``monitor check --at``).
In a breaching hour half of ``x`` (and of ``y``) is missing, so the rule
``missing_values`` (max_share 0.1) breaches exactly then.
"""

from __future__ import annotations

import http.server
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from monitor.config import load_config
from monitor.config.models import Config

T0 = datetime(2026, 1, 2, tzinfo=timezone.utc)
ROWS_PER_HOUR = 20
HOURS = 24


def at(hour: int) -> datetime:
    return T0 + timedelta(hours=hour)


def clock_at(hour: int) -> Callable[[], datetime]:
    """The wall clock of a daemon that runs window ``hour`` as it ends: ``for`` and
    ``repeat_interval`` count it (delivery keeps the real clock)."""
    return lambda: at(hour)


def write_log(path: Path, breaching_hours: Iterable[int]) -> None:
    """A reference day (2026-01-01) with no missing values, then ``HOURS`` hours of traffic."""
    breaching = set(breaching_hours)
    rows = []
    for hour in range(-23, HOURS + 1):
        for i in range(ROWS_PER_HOUR):
            moment = T0 + timedelta(hours=hour - 1, minutes=i * 3)  # hour h's rows end before at(h)
            missing = hour in breaching and i % 2 == 0
            value = None if missing else float(i % 7)
            rows.append((moment.isoformat(), value, value, float(i)))
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE IF EXISTS predictions")
        connection.execute("CREATE TABLE predictions (timestamp TEXT, x REAL, y REAL, z REAL)")
        connection.executemany("INSERT INTO predictions VALUES (?, ?, ?, ?)", rows)


def write_config(
    directory: Path,
    channels: dict[str, dict[str, Any]],
    rules: list[dict[str, Any]],
    name: str = "monitor.yaml",
) -> Path:
    document = {
        "store": f"sqlite:///{directory / 'state.db'}",
        "reports": {"dir": str(directory / "reports"), "when": "never"},
        "channels": channels,
        "monitors": {
            "scorer": {
                "source": {
                    "url": f"sqlite:///{directory / 'log.db'}",
                    "table": "predictions",
                    "timestamp": "timestamp",
                },
                "features": {"numerical": ["x", "y", "z"]},
                "reference": {"start": "2026-01-01", "end": "2026-01-02"},
                "window": "1h",
                "alerts": rules,
            }
        },
    }
    path = directory / name
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def load(path: Path) -> Config:
    return load_config(str(path))


def fast_retry(**extra: Any) -> dict[str, Any]:
    """Channel settings that keep tests quick: short timeout and backoff."""
    return {"timeout": "2s", "retry": {"initial": "0.1s", "max": "0.5s", "max_age": "1h"}, **extra}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    answered: int = 0

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A real HTTP receiver on 127.0.0.1 answering from a script: a list of (status, body, headers).

    A header's value may be a function of the moment of the answer (an HTTP date relative to it).
    """

    script: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    default: tuple[int, str, dict[str, Any]] = (200, "ok", {})
    hold: threading.Event | None = None  # when set up, the first request waits for it
    echo: int | None = None  # answer with this status and everything received (secrets included)
    arrived: threading.Event = field(default_factory=threading.Event)
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def answer(self, request: Received) -> tuple[int, str, dict[str, str]]:
        self.received.append(request)
        self.arrived.set()
        if self.hold is not None and len(self.received) == 1:
            self.hold.wait(30)
        if self.echo is not None:
            return self.echo, f"bad request {request.path} {request.body!r} {request.headers}", {}
        status, body, headers = self.script.pop(0) if self.script else self.default
        return status, body, {key: value() if callable(value) else value for key, value in headers.items()}


@contextmanager
def receiver(**options: Any) -> Iterator[Receiver]:
    import time

    state = Receiver(**options)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", 0))
            request = Received(self.path, dict(self.headers), self.rfile.read(length), time.monotonic())
            status, body, headers = state.answer(request)
            request.answered = status
            try:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body.encode())))
                self.end_headers()
                self.wfile.write(body.encode())
            except OSError:  # the sender is gone (killed, or timed out)
                pass

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        if state.hold is not None:
            state.hold.set()
        server.shutdown()
        server.server_close()
