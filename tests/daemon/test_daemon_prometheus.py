"""A real Prometheus scrapes the daemon; PromQL over its HTTP API finds monitor_drift_score."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.daemon.logs import write_drifting_log
from tests.daemon.process import Daemon, write_config

PROMETHEUS = shutil.which("prometheus")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def query(base: str, promql: str) -> list[dict[str, Any]]:
    url = f"{base}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            document = json.load(answer)
    except OSError:  # not listening yet
        return []
    assert document["status"] == "success"
    return list(document["data"]["result"])


@pytest.mark.skipif(
    PROMETHEUS is None, reason="the prometheus binary is not on PATH (apt-get install prometheus)"
)
def test_prometheus_scrapes_the_daemon(tmp_path: Path) -> None:
    write_drifting_log(tmp_path / "preds.db")
    config = write_config(
        tmp_path / "monitor.yaml", store="sqlite:///state.db", monitors={"scorer": "{every: 2s}"}
    )
    daemon = Daemon(config)
    prometheus = None
    try:
        target = daemon.url.removeprefix("http://")
        (tmp_path / "prometheus.yml").write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"scrape_configs:\n  - job_name: monitor\n    static_configs: [{{targets: ['{target}']}}]\n",
            encoding="utf-8",
        )
        port = free_port()
        prometheus = subprocess.Popen(
            [
                str(PROMETHEUS),
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "prometheus.log").open("wb"),
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        found: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not found:
            found = query(base, 'monitor_drift_score{monitor="scorer"}')
            time.sleep(0.5)
        assert found, (tmp_path / "prometheus.log").read_text(errors="replace")[-2000:]
        columns = {series["metric"]["column"] for series in found}
        assert columns == {"amount", "items", "country"}
        assert all(float(series["value"][1]) >= 0 for series in found)
        assert query(base, 'up{job="monitor"}')[0]["value"][1] == "1"
    finally:
        if prometheus is not None:
            prometheus.terminate()
            prometheus.wait(10)
        daemon.kill()
