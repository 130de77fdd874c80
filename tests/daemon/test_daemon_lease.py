"""One active daemon per store: a second one stands by and takes over after kill -9 of the first."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from monitor.store import SQLAlchemyStore
from monitor.store.lease import Lease
from tests.daemon.logs import write_drifting_log
from tests.daemon.process import Daemon, write_config
from tests.pg import temporary_database

TAKEOVER_LIMIT = 30.0  # seconds, the promise; with lease_ttl 2s it takes about 3


def role(daemon: Daemon) -> str:
    return str(daemon.health()[1]["role"])


def runs(daemon: Daemon) -> float:
    return sum(value for (name, _), value in daemon.samples().items() if name == "monitor_runs_total")


def standby_takes_over(workdir: Path, store: str) -> None:
    write_drifting_log(workdir / "preds.db")
    config = write_config(workdir / "monitor.yaml", store=store, monitors={"scorer": "{every: 1s}"})
    first = Daemon(config, log_name="first.log")
    second = None
    try:
        first.wait_for("the first daemon active", lambda: role(first) == "active")
        second = Daemon(config, log_name="second.log")
        second.wait_for("the second daemon standing by", lambda: role(second) == "standby")
        status, health = second.health()
        assert status == 200 and health["monitors"]["scorer"]["next_run"] is None
        first.wait_for("runs of the active one", lambda: runs(first) >= 2)
        assert runs(second) == 0 and second.value("monitor_daemon_active") == 0

        first.process.kill()  # SIGKILL: no teardown, the lease is left to expire
        first.process.wait(10)
        killed_at = time.monotonic()
        second.wait_for("the takeover", lambda: role(second) == "active", timeout=TAKEOVER_LIMIT)
        assert time.monotonic() - killed_at < TAKEOVER_LIMIT
        second.wait_for("runs of the new active one", lambda: runs(second) >= 2)
        code, seconds = second.stop()
        assert code == 0 and seconds < 10
    finally:
        first.kill()
        if second is not None:
            second.kill()
    assert "Traceback" not in second.log()


def test_standby_takes_over_on_sqlite(tmp_path: Path) -> None:
    standby_takes_over(tmp_path, "sqlite:///state.db")


@pytest.mark.postgres
def test_standby_takes_over_on_postgresql(tmp_path: Path) -> None:
    with temporary_database() as url:
        standby_takes_over(tmp_path, url)


def test_lease_is_exclusive_until_it_expires_or_is_released(tmp_path: Path) -> None:
    from datetime import timedelta

    store = SQLAlchemyStore(f"sqlite:///{tmp_path / 'state.db'}")
    ttl = timedelta(seconds=0.5)
    first, second = Lease(store, ttl, holder="first"), Lease(store, ttl, holder="second")
    assert first.acquire() and first.acquire()  # taking, then renewing
    assert not second.acquire()
    assert second.current_holder() is not None and second.current_holder()[0] == "first"  # type: ignore[index]
    time.sleep(0.6)
    assert second.acquire() and not first.acquire()
    second.release()
    assert first.acquire()
    store.close()
