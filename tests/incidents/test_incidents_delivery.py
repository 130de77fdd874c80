"""A data incident reaches a real webhook receiver and the daemon's /metrics."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
from pytest_httpserver import HTTPServer

from monitor.daemon.metrics import EXPORTED_METRICS
from tests.daemon.process import Daemon
from tests.incidents.broken_log import (
    break_new_categories,
    break_out_of_range,
    check,
    config_text,
    make_log,
    write_sqlite,
)

END = datetime(2026, 3, 11, tzinfo=timezone.utc)
LAST_DAY = pd.Timestamp(END) - pd.Timedelta(days=1)
INCIDENT_SERIES = (
    "monitor_rows_per_hour",
    "monitor_volume_ratio",
    "monitor_freshness_seconds",
    "monitor_new_category_share",
    "monitor_out_of_range_share",
    "monitor_duplicate_share",
    "monitor_schema_change",
)


def webhook_config(tmp_path: Path, source: str, url: str) -> Path:
    channels = f'channels:\n  hook: {{type: webhook, url: "{url}"}}'
    config = tmp_path / "monitor.yaml"
    text = config_text(source, store=f"sqlite:///{tmp_path / 'state.db'}", channels="[hook]", extra=channels)
    config.write_text(text, encoding="utf-8")
    return config


def test_new_category_reaches_the_webhook_with_its_share_and_values(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    log = break_new_categories(make_log(END), END)
    # a category name that is also markup and a line break stays one quoted value
    log.loc[log["country"] == "BR", "country"] = "<b>BR</b>\n*x*"
    config = webhook_config(tmp_path, write_sqlite(log, tmp_path / "log.db"), httpserver.url_for("/hook"))
    code, document = check(config, END)
    assert code == 1
    bodies = [json.loads(request.get_data()) for request, _ in httpserver.log]
    (body,) = [b for b in bodies if b["rule"] == "new_categories"]
    assert body["status"] == "firing" and body["subject"] == "country"
    new_rows = (log["country"] == "<b>BR</b>\n*x*") & (log["timestamp"] >= LAST_DAY)
    assert abs(body["value"] - new_rows.sum() / (log["timestamp"] >= LAST_DAY).sum()) < 1e-9
    assert json.dumps("<b>BR</b>\n*x*") in body["summary"]  # quoted: no raw newline, no markup
    assert "\n" not in body["summary"]
    assert body["threshold"] == 0.01
    (monitor,) = document["monitors"]
    country = next(c for c in monitor["data_quality"]["columns"] if c["column"] == "country")
    assert country["new_category_share"] == body["value"]


def test_daemon_exports_the_incident_series(tmp_path: Path) -> None:
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    log = break_out_of_range(make_log(now), now)
    config = tmp_path / "monitor.yaml"
    store = f"sqlite:///{tmp_path / 'state.db'}"
    config.write_text(config_text(write_sqlite(log, tmp_path / "log.db"), store=store), encoding="utf-8")
    assert set(INCIDENT_SERIES) <= set(EXPORTED_METRICS)
    daemon = Daemon(config)
    try:
        daemon.wait_for("a run", lambda: daemon.value("monitor_volume_ratio", monitor="payments") is not None)
        assert daemon.value("monitor_out_of_range_share", monitor="payments", column="amount") > 0.05
        # a clean column: a few rows beyond the reference's extremes at most, well under max_share
        assert (
            daemon.value("monitor_out_of_range_share", monitor="payments", column="account_age_days") < 0.01
        )
        assert daemon.value("monitor_new_category_share", monitor="payments", column="country") == 0.0
        assert daemon.value("monitor_duplicate_share", monitor="payments") == 0.0
        assert daemon.value("monitor_schema_change", monitor="payments", column="amount") == 0.0
        assert 0 <= daemon.value("monitor_freshness_seconds", monitor="payments") < 2 * 3600
        assert (
            daemon.value("monitor_alert_firing", monitor="payments", rule="out_of_range", subject="amount")
            == 1
        )
        assert daemon.value("monitor_rows_per_hour", monitor="payments", window="current") > 0
    finally:
        daemon.stop()
