"""The daemon's daily prune of the store's history (docs/reference.md, "Retention").

The active daemon prunes once soon after it takes the lease and then every ``EVERY`` seconds,
on a thread of its own so a long DELETE never delays the heartbeat or a stop signal.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from monitor.errors import StoreError
from monitor.secrets import scrub
from monitor.store.abc import Store

log = logging.getLogger(__name__)

EVERY = 24 * 3600.0


class DailyPrune:
    def __init__(self, store: Store, retention: Callable[[], timedelta]) -> None:
        self.store = store
        self.retention = retention  # read at each prune: a reload may change it
        self._due = 0.0  # monotonic time of the next prune
        self._thread: threading.Thread | None = None

    def tick(self, active: bool) -> None:
        """Called from the daemon's loop; starts a prune when one is due and this daemon is active."""
        if not active or time.monotonic() < self._due:
            return
        if self._thread is not None and self._thread.is_alive():
            return
        self._due = time.monotonic() + EVERY
        self._thread = threading.Thread(target=self._prune, name="retention", daemon=True)
        self._thread.start()

    def _prune(self) -> None:
        try:
            self.store.prune_history(datetime.now(timezone.utc) - self.retention())
        except StoreError as exc:  # tried again at the next due time; runs go on meanwhile
            log.warning("retention: store not pruned: %s", scrub(str(exc)))
