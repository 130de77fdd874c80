"""From alert steps to outbox notifications: who gets told what after one run.

Grouping channels (Slack, Teams, Alertmanager) get one message per monitor per
run holding every alert that is due; the others (webhook, PagerDuty) one message
per alert. Alertmanager additionally gets every still-firing alert re-posted each
run, since it resolves alerts that clients stop re-posting.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from monitor.alerts.segments import in_segment
from monitor.config.models import Config, MonitorConfig
from monitor.records.alerts import Step
from monitor.records.events import AlertEvent, DriftedColumn, Notification
from monitor.records.result import MonitorResult
from monitor.records.store import new_id

TOP_COLUMNS = 10
GROUPING_TYPES = frozenset({"slack", "msteams", "alertmanager"})


def report_url(config: Config, report: Path | None) -> str | None:
    """Where a person opens a report: ``reports.base_url``, else the daemon's /reports/."""
    if report is None:
        return None
    try:
        relative = report.resolve().relative_to(config.reports.dir.resolve()).as_posix()
    except ValueError:
        return None
    base = (
        config.reports.base_url or f"http://{_public_host(config.server.host)}:{config.server.port}/reports/"
    )
    return base.rstrip("/") + "/" + quote(relative)


def _public_host(bind_host: str) -> str:
    """A wildcard bind address is no place to send a person: name this machine instead."""
    if bind_host in ("", "0.0.0.0", "::", "[::]"):
        return socket.getfqdn()
    return f"[{bind_host}]" if ":" in bind_host and not bind_host.startswith("[") else bind_host


def top_drifted(result: MonitorResult) -> tuple[DriftedColumn, ...]:
    if result.drift is None:
        return ()
    drifted = [c for c in result.drift.columns if c.drifted and c.score is not None]
    drifted.sort(key=lambda c: abs(c.score or 0.0) / (abs(c.threshold) or 1.0), reverse=True)
    return tuple(DriftedColumn(c.column, c.method, float(c.score or 0.0), c.threshold) for c in drifted)


def event_for(step: Step, result: MonitorResult, url: str | None, status: str | None = None) -> AlertEvent:
    after = step.after
    window = result.windows.current
    return AlertEvent(
        alert_id=after.alert_id,
        monitor=after.monitor,
        rule=after.rule,
        subject=after.subject,
        status="resolved" if (status or step.notify) == "resolved" else "firing",
        severity=after.severity,  # type: ignore[arg-type]
        summary=after.summary,
        value=after.value,
        threshold=after.threshold,
        started_at=after.started_at or after.since,
        resolved_at=after.resolved_at if after.status == "resolved" else None,
        window_start=window.start,
        window_end=window.end,
        report_url=url,
        drifted_columns=top_drifted(_judged(result, after.subject))[:TOP_COLUMNS],
    )


def _judged(result: MonitorResult, subject: str) -> MonitorResult:
    """The result an alert's subject is about: its segment's (docs/reference.md, "Segments"),
    else the whole monitor's."""
    return next(
        (s for s in result.segments if s.segment is not None and in_segment(subject, s.segment)), result
    )


def status_to_send(channel_type: str, step: Step) -> str | None:
    """What this run tells a channel about one alert: ``firing``, ``resolved`` or nothing.

    Alertmanager forgets a firing alert that is not re-posted and keeps one that is not
    resolved, so it hears of every firing alert each run and of every resolution, whatever
    ``repeat_interval`` and ``send_resolved`` say (it applies its own). Silenced: nothing.
    """
    if step.notify is not None:
        return step.notify
    if channel_type != "alertmanager" or step.silenced:
        return None
    if step.after.status == "firing":
        return "firing"
    if step.changed and step.after.status == "resolved":
        return "resolved"
    return None


def notifications_for(
    config: Config, monitor: MonitorConfig, result: MonitorResult, steps: Sequence[Step]
) -> list[Notification]:
    """The outbox rows a live run owes: one per channel and monitor for grouping channels, one
    per alert for the others."""
    url = report_url(config, result.report)
    per_channel: dict[str, list[AlertEvent]] = {}
    for step in steps:
        for channel in monitor.alerts[step.rule_index].channels:
            status = status_to_send(config.channels[channel].type, step)
            if status is not None:
                per_channel.setdefault(channel, []).append(event_for(step, result, url, status))
    notifications = []
    for channel, events in per_channel.items():
        if config.channels[channel].type in GROUPING_TYPES:
            notifications.append(Notification(new_id(), channel, result.monitor, tuple(events)))
        else:
            notifications += [Notification(new_id(), channel, result.monitor, (event,)) for event in events]
    return notifications
