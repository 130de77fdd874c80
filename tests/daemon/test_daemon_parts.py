"""The daemon's parts in-process: when a monitor first runs, which report paths are served."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor.config.models import ScheduleConfig
from monitor.daemon.http import resolve_report_path
from monitor.daemon.scheduler import first_run_time

NOW = datetime(2026, 3, 8, 12, 0, tzinfo=timezone.utc)


def test_a_monitor_never_run_or_overdue_runs_at_once() -> None:
    hourly = ScheduleConfig(every=timedelta(hours=1))
    assert first_run_time(hourly, None, NOW) == NOW
    assert first_run_time(hourly, NOW - timedelta(hours=2), NOW) == NOW
    # not due yet: the cadence continues from the last run instead of restarting at the daemon's start
    assert first_run_time(hourly, NOW - timedelta(minutes=20), NOW) == NOW + timedelta(minutes=40)


def test_a_missed_cron_run_runs_at_once() -> None:
    daily = ScheduleConfig(cron="0 6 * * *")
    assert first_run_time(daily, NOW - timedelta(days=1), NOW) == NOW  # today's 06:00 was missed
    assert first_run_time(daily, NOW.replace(hour=7), NOW) is None  # ran after 06:00: wait for tomorrow


def test_report_paths_stay_inside_the_directory(tmp_path: Path) -> None:
    root = tmp_path / "reports"
    (root / "fraud").mkdir(parents=True)
    (root / "fraud" / "a b.html").write_text("x", encoding="utf-8")
    (tmp_path / "outside.txt").write_text("secret", encoding="utf-8")
    (root / "out").symlink_to(tmp_path / "outside.txt")
    (root / "outdir").symlink_to(tmp_path)
    assert resolve_report_path(root, "fraud/a%20b.html") == (root / "fraud" / "a b.html").resolve()
    assert resolve_report_path(root, "") == root.resolve()
    for path in (
        "../outside.txt",
        "%2e%2e/outside.txt",
        "fraud/%2E%2E%2F..%2Foutside.txt",
        "out",
        "outdir/outside.txt",
    ):
        assert resolve_report_path(root, path) is None, path
    assert resolve_report_path(root, "missing.html") is None
    assert resolve_report_path(tmp_path / "no-such-dir", "x") is None
