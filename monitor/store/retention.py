"""Retention: what the store forgets once it is older than ``retention`` (docs/reference.md, "Retention").

A run is as old as the time it finished; its metric values go with it. Alert changes are as
old as the run that made them, and a finished notification (``sent`` or ``failed``) as old
as its last delivery attempt, a cache entry as its saving (the next run that needs it computes it
again). Current alert states, pending notifications, silences and the
daemon's lease are never pruned: they are the store's present, not its history.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import Connection, delete, func, select

from monitor.records.store import Pruned
from monitor.store import schema

log = logging.getLogger(__name__)

FINISHED = ("sent", "failed")


class RetentionStore:
    """Pruning in SQL, mixed into ``SQLAlchemyStore``, which provides ``_begin`` (a translated
    transaction that creates the tables on first use)."""

    masked_url: str

    def _begin(self) -> AbstractContextManager[Connection]:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def prune_history(self, before: datetime) -> Pruned:
        runs, metrics, changes, outbox = schema.runs, schema.metrics, schema.alert_changes, schema.outbox
        cache = schema.cache
        old_runs = select(runs.c.run_id).where(runs.c.finished_at < before)
        # a finished notification is as old as its last attempt (one never tried: as its queueing)
        finished_at = func.coalesce(outbox.c.last_attempt_at, outbox.c.created_at)
        with self._begin() as connection:
            metric_values = connection.execute(delete(metrics).where(metrics.c.run_id.in_(old_runs))).rowcount
            run_rows = connection.execute(delete(runs).where(runs.c.finished_at < before)).rowcount
            change_rows = connection.execute(delete(changes).where(changes.c.at < before)).rowcount
            outbox_rows = connection.execute(
                delete(outbox).where(outbox.c.status.in_(FINISHED), finished_at < before)
            ).rowcount
            cache_rows = connection.execute(delete(cache).where(cache.c.saved_at < before)).rowcount
        pruned = Pruned(before, run_rows, metric_values, change_rows, outbox_rows, cache_rows)
        log.info("store %s: pruned %s", self.masked_url, pruned.describe())
        return pruned
