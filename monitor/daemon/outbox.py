"""The outbox delivered continuously: a thread that wakes every second, or sooner when a retry is due."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone

from monitor.alerts.dispatch import Dispatcher
from monitor.config.models import Config
from monitor.daemon.state import DaemonState
from monitor.errors import MonitorError
from monitor.secrets import scrub
from monitor.store import SQLAlchemyStore

log = logging.getLogger(__name__)

MAX_WAIT = 1.0  # seconds between passes when nothing is due sooner
COUNT_EVERY = 5.0  # seconds between refreshes of the failed/pending counts (for /metrics)


class OutboxLoop:
    def __init__(self, config: Config, store: SQLAlchemyStore, state: DaemonState) -> None:
        self.store = store
        self.state = state
        self.dispatcher = Dispatcher(config, store)
        self.channels = list(config.channels)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outbox", daemon=True)
        self._problem: str | None = None
        self._next_count = 0.0

    def reconfigure(self, config: Config) -> None:
        """New channels after a reload; the next pass uses them."""
        self.dispatcher = Dispatcher(config, self.store)
        self.channels = list(config.channels)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float) -> None:
        """What is not delivered stays in the outbox for the next start."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._stop.wait(self._deliver())

    def _deliver(self) -> float:
        """One pass; returns the seconds to wait before the next."""
        try:
            self.dispatcher.deliver_due()
            if time.monotonic() >= self._next_count:
                self._count()
                self._next_count = time.monotonic() + COUNT_EVERY
            upcoming = self.store.next_due_at()
        except MonitorError as exc:
            self._report(scrub(str(exc)))
            return MAX_WAIT
        except Exception as exc:  # a bug in one pass must not end delivery for the daemon's life
            log.debug("outbox: unexpected error", exc_info=True)
            self._report(f"unexpected {type(exc).__name__}: {scrub(str(exc))}")
            return MAX_WAIT
        if self._problem is not None:
            log.info("outbox: delivering again")
            self._problem = None
        if upcoming is None:
            return MAX_WAIT
        wait = (upcoming - datetime.now(timezone.utc)).total_seconds()
        return min(MAX_WAIT, max(0.05, wait))

    def _count(self) -> None:
        failed = dict.fromkeys(self.channels, 0)
        failed.update(self.store.failed_counts())
        self.state.notifications_failed = failed
        self.state.notifications_pending = self.store.pending_count()

    def _report(self, problem: str) -> None:
        """Log a problem once, not once a second for as long as it lasts."""
        if problem != self._problem:
            log.error("outbox: %s", problem)
            self._problem = problem
