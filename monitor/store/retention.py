"""Retention: what the store forgets once it is older than ``retention`` (docs/reference.md, "Retention").

A run is as old as the time it finished; its metric values go with it. Alert changes are as
old as the run that made them, and a finished notification (``sent`` or ``failed``) as old
as its last delivery attempt. Current alert states, pending notifications, silences and the
daemon's lease are never pruned: they are the store's present, not its history.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from monitor.errors import StoreError
from monitor.store import schema
from monitor.store.abc import Store
from monitor.store.sqlalchemy import SQLAlchemyStore

log = logging.getLogger(__name__)

FINISHED = ("sent", "failed")


@dataclass(frozen=True)
class Pruned:
    """How many rows one prune removed, per kind."""

    before: datetime
    runs: int = 0
    metric_values: int = 0
    alert_changes: int = 0
    outbox: int = 0

    @property
    def total(self) -> int:
        return self.runs + self.metric_values + self.alert_changes + self.outbox

    def describe(self) -> str:
        return (
            f"{self.runs} run(s), {self.metric_values} metric value(s), {self.alert_changes} alert "
            f"change(s), {self.outbox} finished notification(s) older than {self.before.isoformat()}"
        )


def prune(store: Store, before: datetime) -> Pruned:
    """Delete the history older than ``before`` in one transaction; raises StoreError."""
    if not isinstance(store, SQLAlchemyStore):  # every store today; another would bring its own
        raise StoreError(f"store {store.masked_url}: pruning is not supported")
    runs, metrics, changes, outbox = schema.runs, schema.metrics, schema.alert_changes, schema.outbox
    old_runs = select(runs.c.run_id).where(runs.c.finished_at < before)
    # _begin is the store's transaction with error translation (and table creation on first use)
    with store._begin() as connection:
        metric_values = connection.execute(delete(metrics).where(metrics.c.run_id.in_(old_runs))).rowcount
        run_rows = connection.execute(delete(runs).where(runs.c.finished_at < before)).rowcount
        change_rows = connection.execute(delete(changes).where(changes.c.at < before)).rowcount
        finished_at = func.coalesce(outbox.c.last_attempt_at, outbox.c.created_at)
        outbox_rows = connection.execute(
            delete(outbox).where(outbox.c.status.in_(FINISHED), finished_at < before)
        ).rowcount
    pruned = Pruned(before, run_rows, metric_values, change_rows, outbox_rows)
    log.info("store %s: pruned %s", store.masked_url, pruned.describe())
    return pruned
