"""The state store on SQLAlchemy 2: SQLite by default, PostgreSQL (or any SQLAlchemy URL) supported.

One run is recorded in one transaction: the run row, its metric values, the
alert states it changed and the notifications those changes owe (the outbox),
so a crash never leaves an alert changed without its notification or the reverse.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, delete, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from monitor.errors import StoreError
from monitor.records.alerts import AlertState, Step
from monitor.records.events import Notification
from monitor.records.store import MetricValue, RunRecord, Silence
from monitor.secrets import mask_database_url
from monitor.store import schema
from monitor.store.abc import Store
from monitor.store.cache import CacheStore
from monitor.store.create import create_safely
from monitor.store.lease import LeaseStore
from monitor.store.outbox import OutboxStore, outbox_row
from monitor.store.retention import RetentionStore

log = logging.getLogger(__name__)


class SQLAlchemyStore(OutboxStore, LeaseStore, RetentionStore, CacheStore, Store):
    """Run history, metric history, alert states, outbox, silences and the cache in one SQL database."""

    def __init__(self, url: str, *, engine: Engine | None = None) -> None:
        self.url = url
        self.masked_url = mask_database_url(url)
        try:
            self.engine = engine or create_engine(url, pool_pre_ping=True, future=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(f"store {self.masked_url}: cannot open ({type(exc).__name__})") from None
        self._ready = False

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A transaction whose failures become StoreError without the URL's password."""
        try:
            if not self._ready:
                create_safely(self.engine, schema.create_tables)  # processes may start at once
                self._ready = True
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0]
            raise StoreError(f"store {self.masked_url} failed: {mask_database_url(reason)}") from None

    def ping(self) -> None:
        with self._begin() as connection:
            connection.execute(select(1))

    def close(self) -> None:
        self.engine.dispose()

    # -- runs -----------------------------------------------------------------------------------

    def record_run(
        self,
        run: RunRecord,
        metrics: Sequence[MetricValue],
        steps: Sequence[Step],
        notifications: Sequence[Notification],
    ) -> None:
        with self._begin() as connection:
            connection.execute(insert(schema.runs).values(**_run_row(run)))
            if metrics:
                connection.execute(
                    insert(schema.metrics),
                    [
                        {"run_id": run.run_id, "monitor": run.monitor, "at": run.window_end, **asdict(m)}
                        for m in metrics
                    ],
                )
            for step in steps:
                self._save_step(connection, run, step)
            for notification in notifications:
                # delivery runs on the real clock, whatever clock judged the alerts
                queued_at = datetime.now(timezone.utc)
                connection.execute(insert(schema.outbox).values(**outbox_row(notification, queued_at)))

    def _save_step(self, connection: Connection, run: RunRecord, step: Step) -> None:
        row = {**asdict(step.after), "updated_at": run.finished_at}
        exists = connection.execute(
            select(schema.alerts.c.alert_id).where(schema.alerts.c.alert_id == step.after.alert_id)
        ).first()
        if exists:
            connection.execute(
                update(schema.alerts).where(schema.alerts.c.alert_id == step.after.alert_id).values(**row)
            )
        else:
            connection.execute(insert(schema.alerts).values(**row))
        if step.changed:
            connection.execute(
                insert(schema.alert_changes).values(
                    alert_id=step.after.alert_id,
                    run_id=run.run_id,
                    at=run.finished_at,
                    from_status=step.before.status,
                    to_status=step.after.status,
                    value=step.after.value,
                    threshold=step.after.threshold,
                )
            )

    def set_report(self, run_id: str, report_path: str | None) -> None:
        with self._begin() as connection:
            connection.execute(
                update(schema.runs).where(schema.runs.c.run_id == run_id).values(report_path=report_path)
            )

    def last_run(self, monitor: str) -> RunRecord | None:
        """The run of the monitor's newest window."""
        runs = self.runs(monitor, last=1)
        return runs[0] if runs else None

    def runs(self, monitor: str, last: int = 30) -> list[RunRecord]:
        table = schema.runs
        query = (
            select(table)
            .where(table.c.monitor == monitor)
            .order_by(table.c.window_end.desc(), table.c.finished_at.desc())
            .limit(last)
        )
        with self._begin() as connection:
            return [_run_record(row._mapping) for row in connection.execute(query)]

    def latest_window_end(self, monitor: str) -> datetime | None:
        table = schema.runs
        query = select(func.max(table.c.window_end)).where(
            table.c.monitor == monitor, table.c.status != "error"
        )
        with self._begin() as connection:
            value: datetime | None = connection.execute(query).scalar()  # max() keeps the column's type
        return value

    def metric_history(
        self, monitor: str, name: str, subject: str = ""
    ) -> list[tuple[datetime, float | None]]:
        table = schema.metrics
        query = (
            select(table.c.at, table.c.value)
            .where(table.c.monitor == monitor, table.c.name == name, table.c.subject == subject)
            .order_by(table.c.at)
        )
        with self._begin() as connection:
            return [(row.at, row.value) for row in connection.execute(query)]

    # -- alerts ---------------------------------------------------------------------------------

    def alert_states(self, monitor: str | None = None) -> dict[str, AlertState]:
        query = select(schema.alerts)
        if monitor is not None:
            query = query.where(schema.alerts.c.monitor == monitor)
        fields = AlertState.__dataclass_fields__
        with self._begin() as connection:
            return {
                row.alert_id: AlertState(**{k: v for k, v in row._mapping.items() if k in fields})
                for row in connection.execute(query)
            }

    # -- silences -------------------------------------------------------------------------------

    def add_silence(self, silence: Silence) -> None:
        with self._begin() as connection:
            connection.execute(insert(schema.silences).values(**asdict(silence)))

    def remove_silence(self, silence_id: str) -> bool:
        with self._begin() as connection:
            result = connection.execute(
                delete(schema.silences).where(schema.silences.c.silence_id == silence_id)
            )
            return bool(result.rowcount)

    def silences(self, now: datetime) -> list[Silence]:
        query = select(schema.silences).where(schema.silences.c.ends_at > now)
        with self._begin() as connection:
            return [Silence(**row._mapping) for row in connection.execute(query)]


def _run_row(run: RunRecord) -> dict[str, Any]:
    row = asdict(run)
    row["result"] = json.dumps(run.result)
    return row


def _run_record(row: Any) -> RunRecord:
    values = dict(row)
    values["result"] = json.loads(values["result"])
    return RunRecord(**values)
