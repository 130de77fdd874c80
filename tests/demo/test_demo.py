"""``monitor demo`` as a new user runs it: a fresh folder, no network, under a minute."""

from __future__ import annotations

import json
import os
import re
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
    # what the demo is there to show: drift, a performance drop and two data incidents
    fired = {state.rule for state in firing}
    assert {"dataset_drift", "prediction_drift", "performance_drop", "volume", "new_categories"} <= fired

    # the report agrees with the check: its accuracy is the check's, from the configured label column
    again = _monitor(
        "check", "-c", str(folder / "monitor.yaml"), "--at", "2026-03-02", "--json", "--dry-run", env=env
    )
    (checked,) = json.loads(again.stdout)["monitors"]
    accuracy = next(m for m in checked["performance"]["metrics"] if m["metric"] == "accuracy")
    page = reports[0].read_text(encoding="utf-8")
    document = re.search(r'<script type="application/json" id="monitor-run">(.*?)</script>', page, re.S)
    assert document is not None
    reported = json.loads(document.group(1))["performance"]["metrics"]
    assert next(m for m in reported if m["metric"] == "accuracy") == accuracy
    header = page.split('<header id="monitor-report-banner">', 1)[1].split("</header>", 1)[0]
    assert f'<td>accuracy</td><td class="num">{accuracy["current"]:.6g}</td>' in header
    assert report_size(folder) < 500_000


def report_size(folder: Path) -> int:
    """Bytes of the demo's report page alone (the renderer it shares is in reports/_static)."""
    (page,) = (folder / "reports" / "fraud-scorer").glob("2026-*.html")
    return page.stat().st_size
