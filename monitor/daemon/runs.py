"""One scheduled run of one monitor, with a deadline, in its own thread.

The scheduler's job waits for the run until ``daemon.run_timeout``; a run still
going then is abandoned: counted as failed, its thread left to end on its own,
and its store write refused (:class:`RunGuard`). The store write of a run is one
transaction, so a run is either recorded whole or not at all. Python cannot kill
a thread: an abandoned run that hangs for ever keeps its thread, not a worker slot.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone

from monitor.config.models import Config
from monitor.daemon.outage import StoreOutageAlerts
from monitor.daemon.state import DaemonState
from monitor.errors import MonitorError, StoreError
from monitor.records.alerts import AlertState
from monitor.records.result import MonitorResult
from monitor.runner import Checker, RunAbandoned
from monitor.secrets import scrub
from monitor.store import Store

log = logging.getLogger(__name__)

WRITE_GRACE = 5.0  # seconds a run caught at its deadline while writing gets to commit
STOP_WRITE_GRACE = 1.0  # the same while the daemon stops (it must be gone within 10 s)
POLL = 0.2


class RunGuard:
    """Decides once whether a run counts: it finishes, or it is abandoned, never both."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.state = "running"  # running -> writing -> finished, or -> abandoned

    def begin_write(self) -> bool:
        with self._lock:
            if self.state == "abandoned":
                return False
            self.state = "writing"
            return True

    def finish(self) -> bool:
        with self._lock:
            if self.state == "abandoned":
                return False
            self.state = "finished"
            return True

    def abandon(self) -> str:
        """Abandon unless already finished; returns the state it was in."""
        with self._lock:
            before = self.state
            if before != "finished":
                self.state = "abandoned"
            return before


class Runs:
    """Runs monitors for the scheduler: ``run(name)`` is the job, blocking until done or abandoned."""

    def __init__(
        self,
        config: Callable[[], Config],
        store: Store,
        state: DaemonState,
        timeout: float,
        after_record: Callable[[], None] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.after_record = after_record
        self.outages = StoreOutageAlerts()
        self.state = state
        self.timeout = timeout
        self.stopping = threading.Event()  # set: no new run starts, waiting ends
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()

    def in_flight(self) -> list[str]:
        with self._lock:
            return sorted(self._in_flight)

    def run(self, name: str) -> None:
        """The scheduler's job. Never raises: a failing job must not disturb the scheduler."""
        config = self.config()
        if self.stopping.is_set() or name not in config.monitors:
            return
        with self._lock:
            if name in self._in_flight:  # an abandoned run of it may still hold its thread
                log.warning("monitor %s: its previous run is still going; this run is skipped", name)
                self.state.run_skipped(name)
                return
            self._in_flight.add(name)
        guard = RunGuard()
        started = time.monotonic()
        self.state.run_started(name)
        thread = threading.Thread(
            target=self._execute, args=(config, name, guard, started), name=f"run-{name}", daemon=True
        )
        thread.start()
        deadline = started + self.timeout
        while thread.is_alive() and time.monotonic() < deadline and not self.stopping.is_set():
            thread.join(POLL)
        if thread.is_alive() and guard.state == "writing":
            thread.join(STOP_WRITE_GRACE if self.stopping.is_set() else WRITE_GRACE)
        if thread.is_alive():
            self._abandon(name, guard, started)
        else:
            self._done(name)

    def _abandon(self, name: str, guard: RunGuard, started: float) -> None:
        before = guard.abandon()
        if before == "finished":
            return
        # the thread keeps its in-flight mark until it ends, so the monitor never runs twice at once
        if self.stopping.is_set():
            log.warning("monitor %s: run abandoned at shutdown; it is not recorded", name)
            self.state.run_ended(name)
            return
        elapsed = time.monotonic() - started
        error = f"run abandoned after {elapsed:.0f}s (daemon.run_timeout); nothing of it was recorded"
        if before == "writing":
            error = f"run abandoned after {elapsed:.0f}s while writing to the store (one transaction)"
        log.error("monitor %s: %s", name, error)
        self.state.run_failed(name, error, datetime.now(timezone.utc), elapsed, status="timeout")

    def _done(self, name: str) -> None:
        with self._lock:
            self._in_flight.discard(name)

    def _execute(self, config: Config, name: str, guard: RunGuard, started: float) -> None:
        """The run's own thread: check, record, report the outcome unless abandoned meanwhile."""
        outcome: tuple[MonitorResult, list[AlertState] | None] | str
        try:
            outcome = self._check(config, name, guard)
        except RunAbandoned:
            outcome = "abandoned"
        except StoreError as exc:
            outcome = scrub(str(exc))
            self.outages.run_failed(config, name, outcome)
        except MonitorError as exc:
            outcome = scrub(str(exc))
        except Exception as exc:  # a bug must cost one run, not the daemon; the traceback only at DEBUG
            log.debug("monitor %s: unexpected error", name, exc_info=True)
            outcome = f"unexpected {type(exc).__name__}: {scrub(str(exc))}"
        finally:
            self._done(name)
        elapsed = time.monotonic() - started
        now = datetime.now(timezone.utc)
        if not guard.finish():
            return
        if isinstance(outcome, str):
            log.error("monitor %s: run failed: %s", name, outcome)
            self.state.run_failed(name, outcome, now, elapsed)
            return
        result, alerts = outcome
        self.outages.run_recorded(config, name)
        if result.error:  # the source failed: recorded in the store as an error run
            log.error("monitor %s: run failed: %s", name, result.error)
            self.state.run_failed(name, result.error, now, elapsed)
        else:
            self.state.run_succeeded(name, result, alerts, now, elapsed)

    def _check(
        self, config: Config, name: str, guard: RunGuard
    ) -> tuple[MonitorResult, list[AlertState] | None]:
        at = datetime.now(timezone.utc).replace(microsecond=0)
        checker = Checker(config, self.store, may_record=guard.begin_write, after_record=self.after_record)
        result = checker.run_monitor(name, at)
        alerts: list[AlertState] | None = None
        if not result.error:
            try:
                alerts = list(self.store.alert_states(name).values())
            except MonitorError as exc:  # the run is recorded; only the firing gauges wait for the next
                log.warning("monitor %s: alert states not read: %s", name, exc)
        return result, alerts
