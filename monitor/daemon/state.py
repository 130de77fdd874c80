"""What the daemon knows about itself and its monitors, read by /healthz and /metrics.

Runs write here when they end; HTTP threads read copies. One lock, held only
to copy or update plain values, never across I/O.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from monitor.records.alerts import AlertState
from monitor.records.result import MonitorResult
from monitor.records.store import RunRecord


@dataclass(frozen=True)
class MonitorStatus:
    """One monitor as seen by this daemon (seeded from the store's history at start)."""

    schedule: str
    last_run_at: datetime | None = None
    last_status: str | None = None  # ok | alert | no_data | error | timeout
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_duration: float | None = None
    running: bool = False
    runs: dict[str, int] = field(default_factory=dict)  # status -> count, since this daemon started
    failures: int = 0
    skipped: int = 0
    result: MonitorResult | None = None  # the last successful run's numbers
    alerts: tuple[AlertState, ...] = ()


# a monitor whose last run ended so is not healthy: nothing was judged
UNHEALTHY = frozenset({"error", "timeout", "no_data"})


class DaemonState:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._monitors: dict[str, MonitorStatus] = {}
        self.role = "starting"  # starting | active | standby | stopping
        self.store_error: str | None = None
        self.lease_error: str | None = None  # the last heartbeat could not write the lease
        self.notifications_failed: dict[str, int] = {}
        self.notifications_pending: int | None = None
        self.next_run: Callable[[str], datetime | None] = lambda name: None

    # -- monitors come and go with the config --------------------------------------------------

    def set_monitors(self, schedules: dict[str, str]) -> None:
        """Keep what is known of monitors still configured; forget removed ones (and their series)."""
        with self._lock:
            kept = {name: self._monitors.get(name) for name in schedules}
            self._monitors = {
                name: replace(status, schedule=schedules[name]) if status else MonitorStatus(schedules[name])
                for name, status in kept.items()
            }

    def seed(self, name: str, history: list[RunRecord]) -> None:
        """Last run, last success and last error from the store (newest first), after a restart."""
        if not history:
            return
        last = history[0]
        success = next((run for run in history if run.status != "error"), None)
        error = next((run for run in history if run.status == "error"), None)
        self._update(
            name,
            last_run_at=last.finished_at,
            last_status=last.status,
            last_success_at=success.finished_at if success else None,
            last_error=error.error if error else None,
            last_error_at=error.finished_at if error else None,
        )

    # -- runs report here ----------------------------------------------------------------------

    def run_started(self, name: str) -> None:
        self._update(name, running=True)

    def run_succeeded(
        self, name: str, result: MonitorResult, alerts: list[AlertState] | None, at: datetime, duration: float
    ) -> None:
        status = result.status
        with self._lock:
            current = self._monitors.get(name)
            if current is None:  # removed by a reload while it ran
                return
            self._monitors[name] = replace(
                current,
                last_run_at=at,
                last_status=status,
                last_success_at=at,
                last_duration=duration,
                running=False,
                runs=_counted(current.runs, status),
                result=result,
                alerts=current.alerts if alerts is None else tuple(alerts),
            )

    def run_failed(
        self, name: str, error: str, at: datetime, duration: float, *, status: str = "error"
    ) -> None:
        with self._lock:
            current = self._monitors.get(name)
            if current is None:
                return
            self._monitors[name] = replace(
                current,
                last_run_at=at,
                last_status=status,
                last_error=error,
                last_error_at=at,
                last_duration=duration,
                running=False,
                runs=_counted(current.runs, status),
                failures=current.failures + 1,
            )

    def run_skipped(self, name: str) -> None:
        with self._lock:
            current = self._monitors.get(name)
            if current is not None:
                self._monitors[name] = replace(current, skipped=current.skipped + 1)

    def run_ended(self, name: str) -> None:
        """A run that neither succeeded nor failed (e.g. abandoned at shutdown) is no longer running."""
        self._update(name, running=False)

    # -- readers -------------------------------------------------------------------------------

    def monitors(self) -> dict[str, MonitorStatus]:
        with self._lock:
            return dict(self._monitors)

    def health(self) -> dict[str, Any]:
        """The /healthz document (without the store probe, which the HTTP handler adds)."""
        monitors = {}
        for name, status in self.monitors().items():
            monitors[name] = {
                "healthy": status.last_status not in UNHEALTHY,
                "schedule": status.schedule,
                "running": status.running,
                "last_run": _iso(status.last_run_at),
                "last_status": status.last_status,
                "last_success": _iso(status.last_success_at),
                "last_error": status.last_error,
                "last_error_at": _iso(status.last_error_at),
                "next_run": _iso(self.next_run(name)) if self.role == "active" else None,
                "runs": sum(status.runs.values()),
                "failures": status.failures,
            }
        return {"role": self.role, "monitors": monitors}

    def _update(self, name: str, **changes: Any) -> None:
        with self._lock:
            current = self._monitors.get(name)
            if current is not None:
                self._monitors[name] = replace(current, **changes)


def _counted(runs: dict[str, int], status: str) -> dict[str, int]:
    return {**runs, status: runs.get(status, 0) + 1}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
