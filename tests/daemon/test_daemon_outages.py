"""A source or the store going away fails runs (counted, shown on /healthz), never the daemon;
when it comes back the next run succeeds. A hanging run is abandoned and blocks no other monitor."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy

from tests.daemon.logs import write_drifting_log
from tests.daemon.process import Daemon, write_config
from tests.pg import temporary_database


def failures(daemon: Daemon, monitor: str = "scorer") -> float:
    return daemon.value("monitor_run_failures_total", monitor=monitor) or 0.0


def successes(daemon: Daemon, monitor: str = "scorer") -> float:
    return sum(daemon.value("monitor_runs_total", monitor=monitor, status=s) or 0.0 for s in ("ok", "alert"))


def stop_cleanly(daemon: Daemon) -> None:
    code, seconds = daemon.stop()
    assert code == 0 and seconds < 10
    assert "Traceback" not in daemon.log()


def test_source_file_gone_then_back(tmp_path: Path) -> None:
    write_drifting_log(tmp_path / "preds.db")
    config = write_config(
        tmp_path / "monitor.yaml", store="sqlite:///state.db", monitors={"scorer": "{every: 1s}"}
    )
    daemon = Daemon(config)
    try:
        daemon.wait_for("a first run", lambda: successes(daemon) >= 1)
        (tmp_path / "preds.db").rename(tmp_path / "preds.away")
        daemon.wait_for("two failed runs", lambda: failures(daemon) >= 2)
        status, health = daemon.health()
        assert status == 200  # the store is fine: the daemon is healthy, the monitor is failing
        assert "preds.db" in health["monitors"]["scorer"]["last_error"]
        assert health["monitors"]["scorer"]["last_status"] == "error"

        (tmp_path / "preds.away").rename(tmp_path / "preds.db")
        recovered_from = successes(daemon)
        daemon.wait_for("a run after the file is back", lambda: successes(daemon) > recovered_from)
        assert daemon.health()[1]["monitors"]["scorer"]["last_status"] in ("ok", "alert")
        stop_cleanly(daemon)
    finally:
        daemon.kill()


def test_a_hanging_run_is_abandoned_and_blocks_no_other_monitor(tmp_path: Path) -> None:
    write_drifting_log(tmp_path / "preds.db")
    write_drifting_log(tmp_path / "locked.db")
    config = write_config(
        tmp_path / "monitor.yaml",
        store="sqlite:///state.db",
        monitors={"stuck": "{every: 1s}", "healthy": "{every: 1s}"},
        sources={"stuck": "locked.db"},
        daemon="{workers: 2, run_timeout: 1s, lease_ttl: 2s}",
    )
    # an exclusive lock keeps every reader of locked.db waiting (SQLite's busy timeout is 5 s)
    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    daemon = Daemon(config)
    try:
        daemon.wait_for(
            "a timed-out run", lambda: daemon.value("monitor_runs_total", monitor="stuck", status="timeout")
        )
        healthy_before = successes(daemon, "healthy")
        daemon.wait_for(
            "runs of the other monitor", lambda: successes(daemon, "healthy") >= healthy_before + 3
        )
        assert "daemon.run_timeout" in daemon.health()[1]["monitors"]["stuck"]["last_error"]
        assert failures(daemon, "stuck") >= 1

        holder.execute("ROLLBACK")
        daemon.wait_for("the stuck monitor recovering", lambda: successes(daemon, "stuck") >= 1, timeout=20)
        stop_cleanly(daemon)
    finally:
        holder.close()
        daemon.kill()
    # abandoned runs were never recorded: every recorded run of "stuck" is a complete, successful one
    with sqlite3.connect(tmp_path / "state.db") as connection:
        statuses = {
            row[0] for row in connection.execute("SELECT status FROM monitor_runs WHERE monitor = 'stuck'")
        }
    assert statuses and statuses <= {"ok", "alert"}


@pytest.mark.postgres
def test_postgresql_store_outage_then_recovery(tmp_path: Path) -> None:
    write_drifting_log(tmp_path / "preds.db")
    with temporary_database() as url:
        database = url.rsplit("/", 1)[1]
        admin = sqlalchemy.create_engine(url.rsplit("/", 1)[0] + "/test", isolation_level="AUTOCOMMIT")
        config = write_config(tmp_path / "monitor.yaml", store=url, monitors={"scorer": "{every: 1s}"})
        daemon = Daemon(config)
        try:
            daemon.wait_for("a first run", lambda: successes(daemon) >= 1)
            with admin.connect() as connection:  # the store goes away: no new connection, old ones cut
                connection.exec_driver_sql(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
                connection.exec_driver_sql(
                    f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
                )
            daemon.wait_for("failed runs", lambda: failures(daemon) >= 2)
            status, health = daemon.health()
            assert status == 503 and health["status"] == "unavailable"
            assert daemon.value("monitor_store_up") == 0

            with admin.connect() as connection:
                connection.exec_driver_sql(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
            recovered_from = successes(daemon)
            daemon.wait_for("a run after the store is back", lambda: successes(daemon) > recovered_from)
            assert daemon.health()[0] == 200
            daemon.signal(signal.SIGINT)  # SIGINT stops as SIGTERM does
            assert daemon.process.wait(10) == 0
            assert "Traceback" not in daemon.log()
        finally:
            daemon.kill()
            with admin.connect() as connection:
                connection.exec_driver_sql(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
            admin.dispose()
