"""Several processes using a fresh store at the same moment all succeed: none fails with "table
already exists" (issue 18). Real processes, released together, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.pg import temporary_database

PROCESSES = 3
TRIES = 2  # before the fix, the race showed on the first try of every run

FIRST_USE = r"""
import pathlib, sys, time
from monitor.errors import MonitorError
from monitor.store import open_store

store = open_store(sys.argv[1])
ready, go = pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
ready.touch()
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:  # released together with the others
    time.sleep(0.001)
try:
    store.runs("m")
    store.alert_states()
except MonitorError as exc:
    print(exc, file=sys.stderr)
    sys.exit(3)
"""


@contextmanager
def fresh_store(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'state.db'}"
    else:
        with temporary_database() as url:
            yield url


def start_together(url: str, folder: Path) -> list[subprocess.CompletedProcess[str]]:
    go = folder / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", FIRST_USE, url, str(folder / f"ready-{i}"), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    try:
        for i, process in enumerate(processes):  # every process imported and opened its store
            ready = folder / f"ready-{i}"
            while not ready.exists():
                assert process.poll() is None, process.communicate()
                try:
                    process.wait(timeout=0.01)
                except subprocess.TimeoutExpired:
                    pass
        go.touch()
        outcomes = []
        for process in processes:
            out, err = process.communicate(timeout=120)
            outcomes.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
        return outcomes
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_first_use(backend: str, tmp_path: Path) -> None:
    for attempt in range(TRIES):
        folder = tmp_path / f"try-{attempt}"
        folder.mkdir()
        with fresh_store(backend, folder) as url:
            outcomes = start_together(url, folder)
        failures = [outcome.stderr for outcome in outcomes if outcome.returncode != 0]
        assert not failures, f"try {attempt}: {failures}"
