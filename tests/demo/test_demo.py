"""``monitor demo`` as a new user runs it: a fresh folder, no network, under a minute."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from monitor.store import open_store


def _monitor(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def _offline_env() -> dict[str, str]:
    """No telemetry opt-out from the test suite, and every proxied request sent to a dead port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    env = {k: v for k, v in os.environ.items() if k != "EVIDENTLY_DISABLE_TELEMETRY"}
    env.update(HTTP_PROXY=dead, HTTPS_PROXY=dead, http_proxy=dead, https_proxy=dead, NO_PROXY="", no_proxy="")
    return env


def test_demo_on_a_fresh_folder(tmp_path: Path) -> None:
    folder = tmp_path / "fresh" / "demo"
    env = _offline_env()
    result = _monitor("demo", "--dir", str(folder), env=env)  # its speed is measured in benchmarks/
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "Warning" not in result.stderr  # no library noise in the user's first minute

    reports = list((folder / "reports" / "fraud-scorer").glob("2026-*.html"))
    assert len(reports) == 1 and reports[0].stat().st_size > 10_000
    for name in ("monitor.yaml", "predictions.db", "monitor-state.db"):
        assert (folder / name).is_file(), name
    out = result.stdout
    assert str(reports[0]) in out and str(folder / "monitor.yaml") in out
    assert "DRIFT" in out and "FIRING" in out  # the injected drift was found and shown
    assert f"monitor check -c {folder / 'monitor.yaml'}" in out
    assert f"monitor run -c {folder / 'monitor.yaml'}" in out

    # the written config works from anywhere (paths relative to it): quiet before the drift...
    before = _monitor(
        "check", "-c", str(folder / "monitor.yaml"), "--at", "2026-02-10", "--json", "--dry-run", env=env
    )
    assert before.returncode == 0, before.stderr
    (monitor,) = json.loads(before.stdout)["monitors"]
    assert monitor["alerts"] == [] and monitor["performance"]["rows_with_target"] > 0
    # ...and the run the demo recorded is in its store, with the alerts it printed
    store = open_store(f"sqlite:///{folder / 'monitor-state.db'}")
    try:
        (run,) = store.runs("fraud-scorer")
        firing = [state for state in store.alert_states("fraud-scorer").values() if state.status == "firing"]
    finally:
        store.close()
    assert run.rows > 0 and firing
    assert all(state.summary in out for state in firing)
