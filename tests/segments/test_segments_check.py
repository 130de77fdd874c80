"""Segments through the public interfaces: ``monitor check --json`` on a SQLite log, a real
webhook receiver on 127.0.0.1 and the daemon's ``/metrics``.

Only FR drifts and only DE loses accuracy (tests/segments/segmented_log.py): exactly those
two alerts fire, with the segment in their subjects, and nothing else, neither for the
whole monitor nor for another segment.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from pytest_httpserver import HTTPServer

from tests.cli_in_process import monitor_in_process
from tests.daemon.process import Daemon
from tests.segments.segmented_log import config_text, make_log, write_sqlite

EXPECTED = {("dataset_drift", "country=FR"), ("performance_drop", "country=DE/accuracy")}


def run_check(config: Path, at: datetime, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_monitor(config, "check", "--json", "--at", at.isoformat(), *extra)


def run_monitor(config: Path, command: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", command, "-c", str(config), *arguments],
        capture_output=True,
        text=True,
        cwd=config.parent,
        env={**os.environ, "EVIDENTLY_DISABLE_TELEMETRY": "1"},
        timeout=180,
    )


def in_process(config: Path, command: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The command through its entry point in this process, for what it computes (not its process)."""
    return monitor_in_process(command, "-c", str(config), *arguments)


def check(config: Path, at: datetime, *extra: str) -> tuple[int, dict[str, Any]]:
    done = in_process(config, "check", "--json", "--at", at.isoformat(), *extra)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    (monitor,) = json.loads(done.stdout)["monitors"]
    return done.returncode, monitor


def firing(monitor: dict[str, Any]) -> set[tuple[str, str]]:
    return {(a["rule"], a["subject"]) for a in monitor["alerts"] if a["status"] == "firing"}


@pytest.fixture
def end() -> datetime:
    # the daemon checks the window ending when it runs, a few seconds after this
    return datetime.now(timezone.utc).replace(microsecond=0)


def test_one_segment_drifts_another_loses_accuracy(
    tmp_path: Path, httpserver: HTTPServer, end: datetime
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    database = write_sqlite(make_log(end), tmp_path / "log.db")
    config = tmp_path / "monitor.yaml"
    config.write_text(config_text(database, hook=httpserver.url_for("/hook"), every="5s"), encoding="utf-8")

    code, monitor = check(config, end)

    assert code == 1
    assert firing(monitor) == EXPECTED
    assert monitor["error"] is None
    segments = {json.dumps(s["segment"]): s for s in monitor["segments"]}
    assert set(segments) == {json.dumps({"country": c}) for c in ("DE", "FR", "US", "IT", None)}
    fr, de = segments['{"country": "FR"}'], segments['{"country": "DE"}']
    assert fr["drift"]["dataset_drift"] is True and de["drift"]["dataset_drift"] is False
    assert [a["subject"] for a in fr["alerts"]] == ["country=FR"]
    assert [a["subject"] for a in de["alerts"]] == ["country=DE/accuracy"]
    accuracy = {s["subject"]: s["performance"]["metrics"][0] for s in monitor["segments"]}
    assert accuracy["country=DE"]["drop"] > 0.1
    assert all(m["drop"] < 0.1 for subject, m in accuracy.items() if subject != "country=DE")
    # the whole monitor stays calm: the incidents vanish in the average
    assert monitor["drift"]["dataset_drift"] is False
    assert monitor["performance"]["metrics"][0]["drop"] < 0.1
    # rows add up: checked segments plus skipped ones are the whole window
    skipped = monitor["skipped_segments"]
    assert [(s["segment"], s["reason"]) for s in skipped["segments"]] == [({"country": "LU"}, "min_rows")]
    assert sum(s["rows"] for s in monitor["segments"]) + skipped["rows"] == monitor["window"]["rows"]
    assert (
        sum(s["reference_rows"] for s in monitor["segments"]) + skipped["reference_rows"]
        == (monitor["reference"]["rows"])
    )

    bodies = [json.loads(request.get_data()) for request, _ in httpserver.log]
    assert {(b["rule"], b["subject"]) for b in bodies} == EXPECTED
    assert all(b["status"] == "firing" and b["monitor"] == "payments" for b in bodies)
    drift_body = next(b for b in bodies if b["rule"] == "dataset_drift")
    assert drift_body["summary"].startswith("payments [country=FR]: ")

    daemon = Daemon(config)
    try:
        daemon.wait_for(
            "the daemon's first run",
            lambda: daemon.value("monitor_rows", monitor="payments", segment="", window="current"),
        )
        samples = daemon.samples()
    finally:
        daemon.stop()
        daemon.kill()
    firing_series = {
        (labels["rule"], labels["subject"], labels["segment"])
        for (name, pairs), value in samples.items()
        if name == "monitor_alert_firing" and value == 1.0
        for labels in [dict(pairs)]
    }
    assert firing_series == {
        ("dataset_drift", "country=FR", "country=FR"),
        ("performance_drop", "country=DE/accuracy", "country=DE"),
    }

    def value(name: str, **labels: str) -> float | None:
        return samples.get((name, tuple(sorted({"monitor": "payments", **labels}.items()))))

    assert value("monitor_dataset_drift", segment="country=FR") == 1.0
    assert value("monitor_dataset_drift", segment="country=DE") == 0.0
    assert value("monitor_dataset_drift", segment="") == 0.0
    assert value("monitor_dataset_drift", segment="country=null") == 0.0
    de_accuracy = value("monitor_performance", segment="country=DE", metric="accuracy")
    assert de_accuracy is not None and abs(de_accuracy - accuracy["country=DE"]["current"]) < 0.05
    assert value("monitor_rows", segment="country=LU", window="current") is None  # skipped: no series


def test_segment_alerts_resolve_on_their_own(tmp_path: Path, end: datetime) -> None:
    database = write_sqlite(make_log(end), tmp_path / "log.db")
    config = tmp_path / "monitor.yaml"
    config.write_text(config_text(database, reports="always"), encoding="utf-8")
    code, before = check(config, end)
    assert code == 1 and firing(before) == EXPECTED

    later = end + timedelta(hours=1)
    write_sqlite(make_log(later, drift_fr=False), database)  # FR is back to normal, DE is not
    code, monitor = check(config, later)

    assert code == 1
    assert firing(monitor) == {("performance_drop", "country=DE/accuracy")}
    resolved = {(a["rule"], a["subject"]) for a in monitor["alerts"] if a["status"] == "resolved"}
    assert resolved == {("dataset_drift", "country=FR")}

    # history of one segment: its own rows, drift and status per run
    done = in_process(config, "history", "-m", "payments", "--segment", "country=FR", "--json")
    assert done.returncode == 0, done.stderr
    history = json.loads(done.stdout)
    assert history["segment"] == "country=FR"
    first, second = history["runs"]
    assert (first["dataset_drift"], second["dataset_drift"]) == (True, False)
    assert (first["status"], second["status"]) == ("alert", "ok")
    assert first["rows"] == next(s["rows"] for s in before["segments"] if s["subject"] == "country=FR")
    assert first["result"]["segment"] == {"country": "FR"}
    table = in_process(config, "history", "-m", "payments", "--segment", "country=DE")
    assert table.returncode == 0 and "payments [country=DE]" in table.stdout
    # bad input: the real executable's exit code and message
    unknown = run_monitor(config, "history", "-m", "payments", "--segment", "country=XX")
    assert unknown.returncode == 2 and "--segment" in unknown.stderr and "country=DE" in unknown.stderr
    assert "Traceback" not in unknown.stderr

    # the report index: the monitor's page links one page per segment, each with its runs
    page = (tmp_path / "reports" / "payments" / "index.html").read_text(encoding="utf-8")
    links = dict(re.findall(r'<a href="(segments/[^"]+)">([^<]+)</a>', page))
    assert set(links.values()) == {"country=DE", "country=FR", "country=US", "country=IT", "country=null"}
    fr_href = next(href for href, name in links.items() if name == "country=FR")
    fr_page = (tmp_path / "reports" / "payments" / unquote(fr_href)).read_text(encoding="utf-8")
    assert "payments [country=FR]" in fr_page and fr_page.count("<tr") == 3  # a header and two runs


def test_an_unknown_segment_column_is_a_config_error(tmp_path: Path, end: datetime) -> None:
    database = write_sqlite(make_log(end), tmp_path / "log.db")
    config = tmp_path / "monitor.yaml"
    config.write_text(
        config_text(database, segments="{by: [region], top: 5, min_rows: 100}"), encoding="utf-8"
    )
    done = run_check(config, end)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "segments.by" in done.stderr and "region" in done.stderr
    validate = run_monitor(config, "validate", "--connect")
    assert validate.returncode == 2 and "Traceback" not in validate.stderr
    assert "segments.by: column 'region' not found" in validate.stdout + validate.stderr


def test_a_parquet_source_gives_the_same_segments(tmp_path: Path, end: datetime) -> None:
    log = make_log(end)
    database = write_sqlite(log, tmp_path / "log.db")
    log.to_parquet(tmp_path / "log.parquet", index=False)
    sqlite_config = tmp_path / "sqlite.yaml"
    sqlite_config.write_text(config_text(database), encoding="utf-8")
    parquet_config = tmp_path / "parquet.yaml"
    source = f'{{path: "{tmp_path / "log.parquet"}", timestamp: timestamp}}'
    parquet_config.write_text(
        re.sub(r"source: \{[^}]*\}", lambda _: f"source: {source}", config_text(database)), encoding="utf-8"
    )
    documents = []
    for config in (sqlite_config, parquet_config):
        code, monitor = check(config, end, "--dry-run")
        assert code == 1, monitor
        documents.append(monitor)
    from_sqlite, from_parquet = documents
    assert firing(from_parquet) == EXPECTED
    assert from_parquet["segments"] == from_sqlite["segments"]
    assert from_parquet["skipped_segments"] == from_sqlite["skipped_segments"]
