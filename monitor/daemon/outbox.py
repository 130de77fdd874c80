"""The outbox delivered continuously by the daemon, and its counts kept for /metrics."""

from __future__ import annotations

import logging
import threading
import time

from monitor.alerts.dispatch import Dispatcher
from monitor.config.models import Config
from monitor.daemon.state import DaemonState
from monitor.errors import MonitorError
from monitor.secrets import scrub
from monitor.store import Store

log = logging.getLogger(__name__)

MAX_WAIT = 1.0  # seconds before delivery starts again after an unexpected error
COUNT_EVERY = 1.0  # seconds between refreshes of the failed/pending counts (for /metrics)


class OutboxLoop:
    """Delivery in the daemon: the Dispatcher's own loop, in which each channel has its own
    thread (a hanging receiver holds up only its own messages), and a refresh of the counts
    that /metrics shows."""

    def __init__(self, config: Config, store: Store, state: DaemonState) -> None:
        self.store = store
        self.state = state
        self.dispatcher = Dispatcher(config, store)
        self.channels = list(config.channels)
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._deliver, name="outbox", daemon=True),
            threading.Thread(target=self._refresh_counts, name="outbox-counts", daemon=True),
        ]
        self._problem: str | None = None

    def reconfigure(self, config: Config) -> None:
        """New channels after a reload: pending rows go out with the new settings."""
        self.dispatcher.reload(config)
        self.channels = list(config.channels)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """A run just recorded notifications: look at the outbox now rather than at the next tick."""
        self.dispatcher.wake()

    def stop(self, timeout: float) -> None:
        """What is not delivered stays in the outbox for the next start."""
        self._stop.set()
        self.dispatcher.wake()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))

    def _deliver(self) -> None:
        while not self._stop.is_set():
            try:
                self.dispatcher.run(self._stop)
            except Exception as exc:  # a bug must not end delivery for the daemon's life
                log.debug("outbox: unexpected error", exc_info=True)
                self._report(f"unexpected {type(exc).__name__}: {scrub(str(exc))}")
                self._stop.wait(MAX_WAIT)

    def _refresh_counts(self) -> None:
        while True:
            try:
                self._count()
            except MonitorError as exc:
                self._report(scrub(str(exc)))
            except Exception as exc:
                log.debug("outbox: unexpected error", exc_info=True)
                self._report(f"unexpected {type(exc).__name__}: {scrub(str(exc))}")
            else:
                if self._problem is not None:
                    log.info("outbox: store reachable again")
                    self._problem = None
            if self._stop.wait(COUNT_EVERY):
                return

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
