"""`monitor run` end to end, as a subprocess: schedules, /healthz, /metrics, /reports/, signals."""

from __future__ import annotations

import http.client
import json
import signal
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from monitor.cli.main import build_parser
from monitor.daemon.metrics import EXPORTED_METRICS
from tests.daemon.logs import write_drifting_log
from tests.daemon.process import Daemon, whole_monitor_value, write_config

CONTRACT_METRICS = (
    "monitor_drift_score",
    "monitor_dataset_drift_share",
    "monitor_performance",
    "monitor_alert_firing",
    "monitor_last_run_timestamp_seconds",
    "monitor_run_duration_seconds",
    "monitor_run_failures_total",
    "monitor_notifications_failed_total",
)


def runs_of(daemon: Daemon, monitor: str) -> float:
    samples = daemon.samples()
    return sum(
        value
        for (name, labels), value in samples.items()
        if name == "monitor_runs_total" and ("monitor", monitor) in labels
    )


def raw_get(url: str, path: str) -> tuple[int, bytes]:
    """A request whose path goes out exactly as written (no client-side normalising of ``..``)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    write_drifting_log(tmp_path / "preds.db")
    return tmp_path


def test_logging_flags_go_before_or_after_run() -> None:
    parser = build_parser()
    before = parser.parse_args(["--log-format", "json", "run", "-c", "x.yaml"])
    after = parser.parse_args(["run", "-c", "x.yaml", "--log-format", "json", "--log-level", "DEBUG"])
    neither = parser.parse_args(["run", "-c", "x.yaml"])
    assert (before.log_format, after.log_format, neither.log_format) == ("json", "json", "text")
    assert (after.log_level, neither.log_level) == ("DEBUG", "INFO")


def test_daemon_runs_serves_reloads_and_stops(workdir: Path, httpserver: HTTPServer) -> None:
    # a channel that refuses every message (400: permanent) so a failed notification is counted
    httpserver.expect_request("/hook", method="POST").respond_with_data("no", status=400)
    config = write_config(
        workdir / "monitor.yaml",
        store="sqlite:///state.db",
        monitors={"scorer": "{every: 1s}"},
        extra=f'channels: {{hook: {{type: webhook, url: "{httpserver.url_for("/hook")}"}}}}',
        channels="[hook]",
    )
    reports = workdir / "reports"
    (reports / "scorer").mkdir(parents=True)
    (reports / "scorer" / "run.html").write_text("<p>the report</p>", encoding="utf-8")
    (workdir / "secret.txt").write_text("TOP-SECRET", encoding="utf-8")
    (reports / "escape").symlink_to(workdir / "secret.txt")
    daemon = Daemon(config, ["run", "-c", str(config), "--log-format", "json"])
    try:
        status, health = daemon.wait_for("an active daemon", lambda: _active(daemon))
        assert status == 200 and health["store"] == "ok"

        # runs again and again on its 1 s schedule
        daemon.wait_for("three runs", lambda: runs_of(daemon, "scorer") >= 3)
        status, health = daemon.health()
        scorer = health["monitors"]["scorer"]
        assert scorer["last_run"] and scorer["last_success"] and scorer["next_run"]
        assert scorer["last_error"] is None

        _check_metrics(daemon)
        _check_reports(daemon)

        # SIGHUP with a broken config: logged in one line naming file and key; the old config keeps running
        good = config.read_text(encoding="utf-8")
        config.write_text(good.replace("window: 1d", "window: soon"), encoding="utf-8")
        before = runs_of(daemon, "scorer")
        daemon.signal(signal.SIGHUP)
        line = daemon.wait_for("the reload error", lambda: _line(daemon, "config not reloaded"))
        assert "monitor.yaml" in line and "monitors.scorer.window" in line and "invalid duration" in line
        daemon.wait_for("runs after the bad reload", lambda: runs_of(daemon, "scorer") >= before + 2)

        # SIGHUP with a new monitor: it starts
        write_config(
            config,
            store="sqlite:///state.db",
            monitors={"scorer": "{every: 1s}", "second": "{every: 1s}"},
            extra=f'channels: {{hook: {{type: webhook, url: "{httpserver.url_for("/hook")}"}}}}',
            channels="[hook]",
        )
        daemon.signal(signal.SIGHUP)
        daemon.wait_for(
            "the new monitor's run", lambda: daemon.health()[1]["monitors"].get("second", {}).get("last_run")
        )
        assert daemon.value("monitor_dataset_drift_share", monitor="second") is not None

        # SIGHUP with the first monitor removed and the second rescheduled
        write_config(config, store="sqlite:///state.db", monitors={"second": "{every: 2s}"})
        daemon.signal(signal.SIGHUP)
        daemon.wait_for("the reload", lambda: "scorer" not in daemon.health()[1]["monitors"])
        monitors = daemon.health()[1]["monitors"]
        assert monitors["second"]["schedule"] == "every 2s"
        assert daemon.value("monitor_dataset_drift_share", monitor="scorer") is None

        code, seconds = daemon.stop()
        assert code == 0 and seconds < 10
    finally:
        daemon.kill()
    log = daemon.log()
    assert "Traceback" not in log
    for line in log.splitlines():  # --log-format json given after `run`: every line is a JSON object
        assert json.loads(line)["message"]
    assert "TOP-SECRET" not in log


def _active(daemon: Daemon) -> tuple[int, dict[str, object]] | None:
    status, health = daemon.health()
    return (status, health) if health["role"] == "active" else None


def _line(daemon: Daemon, text: str) -> str | None:
    return next((line for line in daemon.log().splitlines() if text in line), None)


def _check_metrics(daemon: Daemon) -> None:
    # the outbox gave up on the refused notification: counted per channel (refreshed every few seconds)
    daemon.wait_for(
        "a failed notification",
        lambda: (daemon.value("monitor_notifications_failed_total", channel="hook") or 0) >= 1,
    )
    samples = daemon.samples()
    names = {name for name, _ in samples}
    assert set(CONTRACT_METRICS) <= names
    assert names <= set(EXPORTED_METRICS), names - set(EXPORTED_METRICS)

    def value(name: str, **labels: str) -> float:
        found = whole_monitor_value(samples, name, labels)
        assert found is not None, (name, labels)
        return found

    drift = {labels: v for (name, labels), v in samples.items() if name == "monitor_drift_score"}
    assert {dict(labels)["column"] for labels in drift} == {"amount", "items", "country"}
    # amounts and the country mix were shifted in the current window; items were not
    assert value("monitor_column_drifted", monitor="scorer", column="amount") == 1
    assert value("monitor_column_drifted", monitor="scorer", column="country") == 1
    drifted = [v for (name, _), v in samples.items() if name == "monitor_column_drifted"]
    assert value("monitor_dataset_drift_share", monitor="scorer") == pytest.approx(
        sum(drifted) / len(drifted)
    )
    # the model got worse: its ROC AUC fell below the reference's, and the alerts fire
    current = value("monitor_performance", monitor="scorer", metric="roc_auc")
    reference = value("monitor_performance_reference", monitor="scorer", metric="roc_auc")
    assert current < reference - 0.05
    assert value("monitor_alert_firing", monitor="scorer", rule="performance_drop", subject="roc_auc") == 1
    assert value("monitor_alert_firing", monitor="scorer", rule="dataset_drift", subject="dataset") == 1
    assert value("monitor_rows", monitor="scorer", window="current") > 0
    assert value("monitor_run_failures_total", monitor="scorer") == 0
    assert value("monitor_run_duration_seconds", monitor="scorer") > 0
    assert value("monitor_daemon_active") == 1


def _check_reports(daemon: Daemon) -> None:
    assert daemon.get("/reports/scorer/run.html") == (200, b"<p>the report</p>")
    status, listing = daemon.get("/reports/")
    assert status == 200 and b"scorer/" in listing
    assert daemon.get("/reports/scorer/run.html", method="HEAD")[0] == 200
    assert daemon.get("/reports/scorer/run.html", method="POST")[0] == 405
    for path in (
        "/reports/../secret.txt",
        "/reports/%2e%2e/secret.txt",
        "/reports/%2E%2E%2Fsecret.txt",
        "/reports/scorer/..%2f..%2fsecret.txt",
        "/reports/escape",
        "/reports/scorer/../../secret.txt",
    ):
        status, body = raw_get(daemon.url, path)
        assert status == 404, path
        assert b"TOP-SECRET" not in body
