"""The life of one alert (monitor, rule, subject), as Prometheus Alertmanager users know it.

    inactive --breach--> pending --(for: N breaches in a row)--> firing
    firing --no breach--> resolved --breach--> pending/firing ...

A firing alert notifies when it starts, then again only every
``repeat_interval``; it notifies once more when it resolves (``send_resolved``).
A silenced alert keeps its state and notifies nothing; since a silenced
notification is never recorded as sent, the alert notifies when the silence
ends if it is still firing. ``now`` is wall-clock time: ``for`` and
``repeat_interval`` count live runs as they happen (docs/reference.md).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from monitor.config.models import AlertRuleConfig
from monitor.records.alerts import AlertState, RuleOutcome, Status, Step, alert_id

__all__ = ["AlertState", "Status", "Step", "advance", "alert_id"]


def advance(
    previous: AlertState | None,
    outcome: RuleOutcome,
    rule: AlertRuleConfig,
    monitor: str,
    now: datetime,
    silenced: bool = False,
) -> Step:
    """Move an alert one run forward given whether its rule breached this run."""
    before = previous or AlertState.new(outcome, monitor, rule.severity, now)
    current = replace(
        before,
        value=outcome.value,
        threshold=outcome.threshold,
        summary=outcome.summary,
        severity=rule.severity,
    )
    if outcome.breaching:
        step = _breach(before, current, rule, now, silenced)
    else:
        step = _clear(before, current, rule, now, silenced)
    return replace(step, silenced=silenced)


def _breach(
    before: AlertState, current: AlertState, rule: AlertRuleConfig, now: datetime, silenced: bool
) -> Step:
    breaches = current.breaches + 1
    if breaches < rule.for_:
        status: Status = "pending"
        since = now if before.status != "pending" else before.since
        return Step(before, replace(current, status=status, breaches=breaches, since=since), None)
    if before.status != "firing":
        current = replace(
            current, status="firing", since=now, started_at=now, resolved_at=None, last_notified_at=None
        )
    current = replace(current, breaches=breaches)
    due = current.last_notified_at is None or now - current.last_notified_at >= rule.repeat_interval
    if due and not silenced:
        return Step(before, replace(current, last_notified_at=now), "firing")
    return Step(before, current, None)


def _clear(
    before: AlertState, current: AlertState, rule: AlertRuleConfig, now: datetime, silenced: bool
) -> Step:
    current = replace(current, breaches=0)
    if before.status == "firing":
        resolved = replace(current, status="resolved", since=now, resolved_at=now)
        # only an alert whose firing was announced gets a resolved message
        announce = rule.send_resolved and not silenced and before.last_notified_at is not None
        return Step(before, resolved, "resolved" if announce else None)
    if before.status == "pending":
        return Step(before, replace(current, status="inactive", since=now), None)
    return Step(before, current, None)
