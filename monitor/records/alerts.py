"""An alert (monitor, rule, subject): what a rule found in one run, and the alert's state."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Status = Literal["inactive", "pending", "firing", "resolved"]


def alert_id(monitor: str, rule: str, subject: str) -> str:
    """Stable across runs, restarts and config reloads: a hash of what the alert is about."""
    digest = hashlib.sha256(f"{monitor}\x00{rule}\x00{subject}".encode()).hexdigest()
    return digest[:32]


@dataclass(frozen=True)
class RuleOutcome:
    """What one rule found about one subject in one run."""

    rule: str
    subject: str
    breaching: bool
    value: float | None
    threshold: float | None
    summary: str


@dataclass(frozen=True)
class AlertState:
    alert_id: str
    monitor: str
    rule: str
    subject: str
    status: Status
    breaches: int
    severity: str
    value: float | None
    threshold: float | None
    summary: str
    since: datetime
    started_at: datetime | None = None
    resolved_at: datetime | None = None
    last_notified_at: datetime | None = None

    @classmethod
    def new(cls, outcome: RuleOutcome, monitor: str, severity: str, now: datetime) -> AlertState:
        return cls(
            alert_id=alert_id(monitor, outcome.rule, outcome.subject),
            monitor=monitor,
            rule=outcome.rule,
            subject=outcome.subject,
            status="inactive",
            breaches=0,
            severity=severity,
            value=outcome.value,
            threshold=outcome.threshold,
            summary=outcome.summary,
            since=now,
        )


@dataclass(frozen=True)
class Step:
    """One run's effect on one alert: its new state and what (if anything) to notify."""

    before: AlertState
    after: AlertState
    notify: Literal["firing", "resolved"] | None
    silenced: bool = False  # a silence matched: nothing about this alert is sent this run
    rule_index: int = 0  # which of the monitor's rules (its channels) this step belongs to

    @property
    def changed(self) -> bool:
        return self.before.status != self.after.status


@dataclass(frozen=True)
class AlertSummary:
    """An alert as the run's JSON document and the terminal show it."""

    rule: str
    subject: str
    status: str
    channels: tuple[str, ...]
    silenced: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "subject": self.subject,
            "status": self.status,
            "silenced": self.silenced,
            "channels": list(self.channels),
        }
