"""One check of one monitor, the one way every command and the daemon go through:

    evaluate (sources -> windows -> stats; pure)
      -> alert transitions (pure, from the stored states)
      -> record (one transaction: the run, its metric values, alert changes, outbox rows)
      -> after the commit: the report and the index, then the dispatcher is woken

A run whose window ends at or before the latest window already evaluated for its
monitor (an old ``--at``, a backfill) is history: recorded, but it changes no alert and
notifies nobody. A monitor whose source fails is recorded with ``error`` set (and may fire
``run_failed``); the other monitors still run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from monitor.alerts.notify import notifications_for
from monitor.alerts.transitions import transition
from monitor.config.models import Config, MonitorConfig
from monitor.errors import ConfigError, MonitorError
from monitor.evaluate import evaluate
from monitor.evaluate.frames import Frames
from monitor.records.result import MonitorResult
from monitor.records.store import new_id
from monitor.secrets import scrub
from monitor.store import Store
from monitor.store.history import metric_values, run_record

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class RunAbandoned(MonitorError):
    """Raised when the run may no longer be recorded (the daemon gave up on it)."""


class StoreCache:
    """The store's cache of fitted reference state (docs/reference.md, "Cached reference profiles").

    A cache is a convenience: a store that cannot be read or written here costs a refit and a
    warning, never the run (the run's own transaction reports a store that is really down)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def load_cached(self, monitor: str, kind: str, key: str) -> bytes | None:
        try:
            return self.store.load_cached(monitor, kind, key)
        except MonitorError as exc:
            log.warning("monitor %s: cached %s not read: %s", monitor, kind, scrub(str(exc)))
            return None

    def save_cached(self, monitor: str, kind: str, key: str, payload: bytes) -> None:
        try:
            self.store.save_cached(monitor, kind, key, payload)
        except MonitorError as exc:
            log.warning("monitor %s: %s not cached: %s", monitor, kind, scrub(str(exc)))


class Checker:
    """Runs monitors of one config against one store (``None`` in a dry run: nothing is written).

    ``clock``: wall-clock time, which ``for`` and ``repeat_interval`` count in;
    ``may_record()``: asked just before the run's transaction, False abandons it;
    ``after_record()``: called after each recorded run, e.g. to wake a dispatcher.
    """

    def __init__(
        self,
        config: Config,
        store: Store | None,
        *,
        dry_run: bool = False,
        clock: Clock = utcnow,
        may_record: Callable[[], bool] | None = None,
        after_record: Callable[[], None] | None = None,
    ) -> None:
        self.config = config
        self.store = None if dry_run else store
        self.clock = clock
        self.may_record = may_record
        self.after_record = after_record

    def run(self, names: Sequence[str] | None, at: datetime, *, history: bool = False) -> list[MonitorResult]:
        return [self.run_monitor(name, at, history=history) for name in self.selected(names)]

    def selected(self, names: Sequence[str] | None) -> list[str]:
        chosen = list(names) if names else list(self.config.monitors)
        unknown = [name for name in chosen if name not in self.config.monitors]
        if unknown:
            known = ", ".join(self.config.monitors)
            raise ConfigError(f"unknown monitor(s) {', '.join(unknown)} (monitors: {known})")
        return chosen

    def run_monitor(self, name: str, at: datetime, *, history: bool = False) -> MonitorResult:
        """One run of monitor ``name`` for the window ending at ``at``; ``history`` forces it to
        be recorded as history (a backfill). Raises StoreError when the store cannot be used."""
        monitor = self.config.monitors[name]
        started_at = self.clock()
        clock = time.perf_counter()
        cache = StoreCache(self.store) if self.store is not None else None
        evaluation = evaluate(name, monitor, at, cache)
        result = evaluation.result
        if self.store is None:
            result = transition(monitor, result, {}, [], live=True, now=started_at).result
        else:
            result = self._record(monitor, result, evaluation.frames, started_at, history)
        log.info("monitor %s: checked in %.2fs", name, time.perf_counter() - clock)
        return result

    def _record(
        self,
        monitor: MonitorConfig,
        result: MonitorResult,
        frames: Frames | None,
        started_at: datetime,
        history: bool,
    ) -> MonitorResult:
        store = self.store
        assert store is not None
        name = result.monitor
        latest = store.latest_window_end(name)
        live = not history and (latest is None or result.windows.current.end > latest)
        changes = transition(
            monitor, result, store.alert_states(name), store.silences(started_at), live=live, now=started_at
        )
        result = changes.result
        # a backfill writes no page per window: the index, refreshed once at its end, lists them
        planned = None if history else self._planned_report(result, frames)
        result = replace(result, report=planned)
        notifications = notifications_for(self.config, monitor, result, changes.steps)
        record = run_record(new_id(), result, started_at, self.clock())
        if self.may_record is not None and not self.may_record():
            raise RunAbandoned(f"monitor {name}: run abandoned; not recorded")
        store.record_run(record, metric_values(result), changes.steps, notifications)
        # after the commit: what fails from here on never loses the run or its notifications
        if planned is not None:
            result = self._write_report(monitor, result, frames, record.run_id)
        if self.after_record is not None:
            self.after_record()
        return result

    def _planned_report(self, result: MonitorResult, frames: Frames | None) -> Path | None:
        """Where this run's report goes, decided before the run is recorded (its notifications
        link it); ``None`` when none is due."""
        from monitor.reports.paths import report_path

        when = self.config.reports.when
        if result.error is not None or result.rows == 0 or when == "never":
            return None
        if frames is None and result.compute == "local":  # pushed down: the engine samples the rows
            return None
        breached = result.firing if result.live else bool(result.breaches)
        if when == "always" or breached:
            return report_path(self.config.reports.dir, result.monitor, result.windows.current.end)
        return None

    def _write_report(
        self, monitor: MonitorConfig, result: MonitorResult, frames: Frames | None, run_id: str
    ) -> MonitorResult:
        from monitor.evaluate.frames import sampled_frames
        from monitor.reports.run import write_recorded_report

        assert self.store is not None and result.report is not None
        try:
            if frames is None:  # pushed down: a sample of each window, drawn where the data lives
                frames = sampled_frames(monitor, result, self.config.reports.max_rows)
            write_recorded_report(self.config, monitor, result, frames, self.store)
        except Exception as exc:  # a report is a convenience: never lose the run over it
            log.error("monitor %s: report not written: %s", result.monitor, scrub(str(exc)))
            try:
                self.store.set_report(run_id, None)
            except MonitorError as store_exc:
                log.error("monitor %s: %s", result.monitor, scrub(str(store_exc)))
            return replace(result, report=None)
        return result
