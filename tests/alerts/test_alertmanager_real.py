"""Our alerts in a real Prometheus Alertmanager: posted, listed by its API, then resolved.

Needs the ``prometheus-alertmanager`` binary (Debian's package, installed by .ci/run);
skipped with the reason where it is not installed.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from monitor.alerts.dispatch import Dispatcher
from monitor.runner import Checker
from monitor.store import open_store
from tests.alerts.scenario import at, clock_at, load, write_config, write_log

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
pytestmark = pytest.mark.skipif(
    BINARY is None,
    reason="prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)",
)

AM_CONFIG = """
route: {receiver: blackhole, group_wait: 1s, group_interval: 1s}
receivers: [{name: blackhole}]
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[str]:
    assert BINARY is not None
    (tmp_path / "am.yml").write_text(AM_CONFIG)
    url = f"http://127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [BINARY, f"--config.file={tmp_path / 'am.yml'}", f"--storage.path={tmp_path / 'am-data'}",
         f"--web.listen-address={url.removeprefix('http://')}", "--cluster.listen-address="],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(url + "/-/ready", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"alertmanager did not start: {process.stderr.read() if process.stderr else ''}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def check(config_path: Path, hour: int) -> None:
    config = load(config_path)
    store = open_store(config.store)
    try:
        clock = clock_at(hour)
        Checker(config, store, clock=clock).run(None, at(hour))
        assert Dispatcher(config, store).drain(5) == 0
    finally:
        store.close()


def ours(url: str) -> list[dict[str, Any]]:
    alerts: list[dict[str, Any]] = requests.get(url + "/api/v2/alerts", timeout=5).json()
    return [a for a in alerts if a["labels"].get("monitor") == "scorer"]


def test_alertmanager_lists_our_alert_then_sees_it_resolved(tmp_path: Path, alertmanager: str) -> None:
    write_log(tmp_path / "log.db", {1, 2})
    channels = {"am": {"type": "alertmanager", "url": alertmanager, "timeout": "5s"}}
    rule = {"rule": "missing_values", "columns": ["x"], "severity": "critical", "channels": ["am"]}
    config = write_config(tmp_path, channels, [rule])
    check(config, 1)
    [alert] = ours(alertmanager)
    assert alert["labels"] == {
        "alertname": "monitor_missing_values",
        "monitor": "scorer",
        "rule": "missing_values",
        "subject": "x",
        "severity": "critical",
    }
    assert alert["status"]["state"] == "active"
    assert "summary" in alert["annotations"] and "description" in alert["annotations"]
    assert alert["startsAt"].startswith("2026-01-02T01:00:00")
    first_end = alert["endsAt"]
    check(config, 2)  # still firing: re-posted, so Alertmanager keeps it (and extends endsAt)
    [alert] = ours(alertmanager)
    assert alert["status"]["state"] == "active" and alert["endsAt"] >= first_end
    check(config, 3)  # cleared: endsAt posted, Alertmanager resolves it
    now = datetime.now(timezone.utc).isoformat()
    assert all(a["endsAt"] < now for a in ours(alertmanager))
