"""Tables of the state store: runs, metric history, alert states and their changes, outbox, silences,
the daemon's lease and a cache of computed artefacts.

Times are stored as timezone-aware timestamps (UTC). The store records channel
*names*, never their config: no secret reaches these tables.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    inspect,
    text,
    true,
)
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateColumn


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, also on SQLite (which keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        moment = moment.astimezone(timezone.utc)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        if stored.tzinfo is None:
            return stored.replace(tzinfo=timezone.utc)
        return stored.astimezone(timezone.utc)


metadata = MetaData()

Time = UTCDateTime()

runs = Table(
    "monitor_runs",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("monitor", String(200), nullable=False),
    Column("started_at", Time, nullable=False),
    Column("finished_at", Time, nullable=False),
    Column("window_start", Time, nullable=False),
    Column("window_end", Time, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("reference_start", Time),
    Column("reference_end", Time),
    Column("reference_rows", Integer),
    Column("status", String(16), nullable=False),  # ok | alert | no_data | error
    Column("error", Text),
    Column("drift_share", Float),
    Column("dataset_drift", Boolean),
    Column("report_path", Text),
    Column("result", Text, nullable=False),  # the run's JSON document (docs/reference.md, "JSON output")
    # false: history (an older window, a backfill), which changed no alert
    Column("live", Boolean, nullable=False, default=True, server_default=true()),
    Index("ix_monitor_runs_monitor_end", "monitor", "window_end"),
)

metrics = Table(
    "monitor_metrics",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(36), nullable=False),
    Column("monitor", String(200), nullable=False),
    Column("at", Time, nullable=False),
    # drift_score | dataset_drift_share | prediction_drift_score | performance | performance_reference
    # | missing_share | rows | reference_rows
    Column("name", String(64), nullable=False),
    Column("subject", String(500), nullable=False, default=""),  # column or metric name
    Column("method", String(32), nullable=False, default=""),
    Column("value", Float),
    Index("ix_monitor_metrics_monitor_name_at", "monitor", "name", "at"),
)

alerts = Table(
    "monitor_alerts",
    metadata,
    Column("alert_id", String(64), primary_key=True),
    Column("monitor", String(200), nullable=False),
    Column("rule", String(32), nullable=False),
    Column("subject", String(500), nullable=False),
    Column("status", String(16), nullable=False),  # inactive | pending | firing | resolved
    Column("breaches", Integer, nullable=False, default=0),
    Column("severity", String(16), nullable=False),
    Column("value", Float),
    Column("threshold", Float),
    Column("summary", Text, nullable=False, default=""),
    Column("since", Time, nullable=False),  # when the current status began
    Column("started_at", Time),
    Column("resolved_at", Time),
    Column("last_notified_at", Time),
    Column("updated_at", Time, nullable=False),
    Index("ix_monitor_alerts_monitor", "monitor"),
)

alert_changes = Table(
    "monitor_alert_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", String(64), nullable=False),
    Column("run_id", String(36), nullable=False),
    Column("at", Time, nullable=False),
    Column("from_status", String(16), nullable=False),
    Column("to_status", String(16), nullable=False),
    Column("value", Float),
    Column("threshold", Float),
    Index("ix_monitor_alert_changes_alert", "alert_id", "at"),
)

outbox = Table(
    "monitor_outbox",
    metadata,
    Column("delivery_id", String(64), primary_key=True),
    Column("channel", String(200), nullable=False),
    Column("monitor", String(200), nullable=False),
    Column("created_at", Time, nullable=False),
    Column("payload", Text, nullable=False),  # JSON list of AlertEvent dicts
    Column("status", String(16), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Time, nullable=False),
    Column("last_attempt_at", Time),
    Column("last_status", Integer),
    Column("last_error", Text),
    Index("ix_monitor_outbox_status_next", "status", "next_attempt_at"),
)

silences = Table(
    "monitor_silences",
    metadata,
    Column("silence_id", String(36), primary_key=True),
    Column("monitor", String(200), nullable=False),
    Column("rule", String(32)),
    Column("subject", String(500)),
    Column("starts_at", Time, nullable=False),
    Column("ends_at", Time, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("created_at", Time, nullable=False),
)

leases = Table(
    "monitor_leases",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("expires_at", Time, nullable=False),
)

# computed artefacts (reference profiles, fitted models), serialised by their owners; see
# monitor/store/cache.py for what is kept
cache = Table(
    "monitor_cache",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("monitor", String(200), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("key", String(200), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("saved_at", Time, nullable=False),
    UniqueConstraint("monitor", "kind", "key", name="uq_monitor_cache_entry"),
    Index("ix_monitor_cache_saved", "saved_at"),
)


def create_tables(engine: Engine) -> None:
    """Create what is missing: tables, and columns added since a store was first created."""
    metadata.create_all(engine)
    with engine.begin() as connection:
        present = {column["name"] for column in inspect(connection).get_columns(runs.name)}
        table = connection.dialect.identifier_preparer.format_table(runs)
        for column in runs.columns:
            if column.name not in present:
                definition = CreateColumn(column).compile(dialect=connection.dialect)
                connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {definition}"))
