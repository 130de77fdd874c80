"""Rows of the store as plain data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.records.events import Notification


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    monitor: str
    started_at: datetime
    finished_at: datetime
    window_start: datetime
    window_end: datetime
    rows: int
    reference_start: datetime | None
    reference_end: datetime | None
    reference_rows: int | None
    status: str  # ok | alert | no_data | error (see MonitorResult.status)
    error: str | None
    drift_share: float | None
    dataset_drift: bool | None
    report_path: str | None
    result: dict[str, Any]
    # False for history (an older window than one already evaluated, a backfill): such a
    # run changed no alert state and notified nobody
    live: bool = True


@dataclass(frozen=True)
class MetricValue:
    name: str
    subject: str
    method: str
    value: float | None


@dataclass(frozen=True)
class Silence:
    silence_id: str
    monitor: str
    rule: str | None
    subject: str | None
    starts_at: datetime
    ends_at: datetime
    comment: str
    created_at: datetime

    def matches(self, monitor: str, rule: str, subject: str, now: datetime) -> bool:
        return (
            self.starts_at <= now < self.ends_at
            and self.monitor == monitor
            and self.rule in (None, rule)
            and self.subject in (None, subject)
        )


@dataclass(frozen=True)
class OutboxItem:
    notification: Notification
    status: str  # pending | sent | failed
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None


@dataclass(frozen=True)
class Pruned:
    """How many rows one prune removed, per kind."""

    before: datetime
    runs: int = 0
    metric_values: int = 0
    alert_changes: int = 0
    outbox: int = 0
    cache: int = 0

    @property
    def total(self) -> int:
        return self.runs + self.metric_values + self.alert_changes + self.outbox + self.cache

    def describe(self) -> str:
        return (
            f"{self.runs} run(s), {self.metric_values} metric value(s), {self.alert_changes} alert "
            f"change(s), {self.outbox} finished notification(s), {self.cache} cached item(s) "
            f"older than {self.before.isoformat()}"
        )


def new_id() -> str:
    """A row id: random, so two daemons or a daemon and `monitor check` never collide."""
    return uuid.uuid4().hex
