"""An estimated drop, before any label arrives, reaches a real webhook receiver and /metrics."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pytest_httpserver import HTTPServer

from monitor.daemon.metrics import EXPORTED_METRICS
from tests.daemon.process import Daemon
from tests.estimation.drop_log import config_text, make_log, write_sqlite
from tests.estimation.nml import run_monitor

END = datetime(2026, 3, 11, tzinfo=timezone.utc)
ESTIMATE_SERIES = (
    "monitor_estimated_performance",
    "monitor_estimated_performance_lower",
    "monitor_estimated_performance_upper",
)


def test_an_estimated_roc_auc_drop_fires_before_labels_and_reaches_the_webhook(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    source = write_sqlite(make_log(END), tmp_path / "log.db")
    channels = f'channels:\n  hook: {{type: webhook, url: "{httpserver.url_for("/hook")}"}}'
    config = tmp_path / "monitor.yaml"
    store = f"sqlite:///{tmp_path / 'state.db'}"
    config.write_text(config_text(source, store, extra=channels, channels="[hook]"), encoding="utf-8")
    result = run_monitor("check", "-c", str(config), "--json", "--at", END.isoformat())
    assert result.returncode == 1, result.stderr
    (monitor,) = json.loads(result.stdout)["monitors"]
    assert monitor["performance"] is None  # no label in the window yet
    roc_auc = monitor["estimated_performance"]["metrics"][0]
    assert roc_auc["metric"] == "roc_auc" and roc_auc["realized"] is None
    assert roc_auc["lower"] <= roc_auc["estimate"] <= roc_auc["upper"]
    assert roc_auc["reference"] - roc_auc["estimate"] > 0.05
    bodies = [json.loads(request.get_data()) for request, _ in httpserver.log]
    (body,) = [b for b in bodies if b["rule"] == "estimated_performance_drop"]
    assert body["status"] == "firing" and body["subject"] == "roc_auc"
    assert abs(body["value"] - (roc_auc["reference"] - roc_auc["estimate"])) < 1e-9
    assert body["threshold"] == 0.05
    assert "estimated roc_auc" in body["summary"] and "reference" in body["summary"]
    assert [a["rule"] for a in monitor["alerts"]] == ["estimated_performance_drop"]


def test_the_daemon_exports_the_estimate_and_its_bounds(tmp_path: Path) -> None:
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    source = write_sqlite(make_log(now), tmp_path / "log.db")
    config = tmp_path / "monitor.yaml"
    config.write_text(config_text(source, f"sqlite:///{tmp_path / 'state.db'}"), encoding="utf-8")
    assert set(ESTIMATE_SERIES) <= set(EXPORTED_METRICS)
    daemon = Daemon(config)
    try:
        labels = {"monitor": "scorer", "metric": "roc_auc", "method": "cbpe"}
        estimate = daemon.wait_for(
            "a run", lambda: daemon.value("monitor_estimated_performance", **labels), timeout=180
        )
        lower = daemon.value("monitor_estimated_performance_lower", **labels)
        upper = daemon.value("monitor_estimated_performance_upper", **labels)
        assert lower is not None and upper is not None
        assert 0 <= lower <= estimate <= upper <= 1
        rule = {"monitor": "scorer", "rule": "estimated_performance_drop", "subject": "roc_auc"}
        assert daemon.value("monitor_alert_firing", **rule) == 1
    finally:
        daemon.stop()
