"""/healthz tells the truth: a monitor that saw no rows or failed is not healthy, and a daemon
that cannot write its lease (a store that still answers reads) is no healthy standby."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from monitor.store import open_store
from tests.daemon.logs import write_drifting_log
from tests.daemon.process import Daemon, write_config


def _empty_log(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE predictions (timestamp TEXT, amount REAL, items INTEGER, country TEXT,"
            " score REAL, pred INTEGER, label INTEGER)"
        )
    connection.close()


def test_a_monitor_whose_window_is_empty_is_not_ok(tmp_path: Path) -> None:
    write_drifting_log(tmp_path / "preds.db")
    _empty_log(tmp_path / "empty.db")
    config = write_config(
        tmp_path / "monitor.yaml",
        store="sqlite:///state.db",
        monitors={"scorer": "{every: 1h}", "quiet": "{every: 1h}"},
        sources={"quiet": "empty.db"},
    )
    daemon = Daemon(config)
    try:
        daemon.wait_for(
            "both first runs", lambda: all(m["last_run"] for m in daemon.health()[1]["monitors"].values())
        )
        status, health = daemon.health()
        assert status == 200  # the daemon and its store are fine ...
        assert health["status"] == "degraded"  # ... but not every monitor judged anything
        assert health["monitors"]["quiet"]["last_status"] == "no_data"
        assert health["monitors"]["quiet"]["healthy"] is False
        assert health["monitors"]["scorer"]["healthy"] is True
    finally:
        daemon.kill()


def test_a_store_that_refuses_writes_is_reported(tmp_path: Path) -> None:
    write_drifting_log(tmp_path / "preds.db")
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    store.ping()  # the tables exist; from now on the daemon may only read them
    store.close()
    read_only = "sqlite:///file:state.db?mode=ro&uri=true"  # relative to the config, as any SQLite path
    config = write_config(tmp_path / "monitor.yaml", store=read_only, monitors={"scorer": "{every: 1h}"})
    daemon = Daemon(config)
    try:
        status, health = daemon.wait_for("a failed heartbeat", lambda: _unhealthy(daemon))
        assert status == 503
        assert health["status"] == "unavailable"
        assert "lease cannot be written" in health["store"] and "readonly" in health["store"]
    finally:
        daemon.kill()


def _unhealthy(daemon: Daemon) -> tuple[int, dict[str, object]] | None:
    status, health = daemon.health()
    return (status, health) if status == 503 else None
