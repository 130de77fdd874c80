"""What a channel is asked to deliver: alert events, grouped into one notification.

These are plain data, serialised into the outbox as JSON, so a notification
written before a crash is delivered unchanged (same ``delivery_id``) after it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

Status = Literal["firing", "resolved"]
Severity = Literal["info", "warning", "critical"]


@dataclass(frozen=True)
class DriftedColumn:
    column: str
    method: str
    score: float
    threshold: float


@dataclass(frozen=True)
class AlertEvent:
    """One alert (monitor, rule, subject) that starts firing, re-notifies, or resolves."""

    alert_id: str
    monitor: str
    rule: str
    subject: str
    status: Status
    severity: Severity
    summary: str
    value: float | None
    threshold: float | None
    started_at: datetime
    resolved_at: datetime | None
    window_start: datetime
    window_end: datetime
    report_url: str | None = None
    # the top drifted columns of the run, for channels that show them (Slack, Teams)
    drifted_columns: tuple[DriftedColumn, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("started_at", "resolved_at", "window_start", "window_end"):
            value = getattr(self, key)
            data[key] = value.isoformat() if value is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AlertEvent:
        values = dict(data)
        for key in ("started_at", "resolved_at", "window_start", "window_end"):
            if values.get(key) is not None:
                values[key] = datetime.fromisoformat(values[key])
        values["drifted_columns"] = tuple(DriftedColumn(**c) for c in values.get("drifted_columns", ()))
        return cls(**values)


@dataclass(frozen=True)
class Notification:
    """One message to one channel. ``delivery_id`` is stable across retries and restarts."""

    delivery_id: str
    channel: str
    monitor: str
    events: tuple[AlertEvent, ...]
    test: bool = False  # a `monitor alerts test` message, labelled as such
    attributes: dict[str, Any] = field(default_factory=dict)
