"""``run_failed`` for the store, told straight to the channels: the outbox lives in the store.

A run that cannot use the store records nothing, its notifications included. So the daemon
counts such runs per monitor in memory; once a monitor's ``run_failed`` rule has seen
``for:`` of them in a row, each of the rule's channels gets one firing notification, sent at
once (one attempt, no outbox), and one resolved notification when a run records again
(``send_resolved``). A silence cannot be read from an unreachable store, so none applies.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone

from monitor.alerts.channels import make_channel
from monitor.config.models import AlertRuleConfig, Config
from monitor.records.alerts import alert_id
from monitor.records.events import AlertEvent, Notification, Status
from monitor.records.store import new_id
from monitor.secrets import scrub

log = logging.getLogger(__name__)

SUBJECT = "store"


class StoreOutageAlerts:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._firing_since: dict[str, datetime] = {}

    def run_failed(self, config: Config, name: str, error: str) -> None:
        """A run of ``name`` could not use the store."""
        now = datetime.now(timezone.utc)
        with self._lock:
            failures = self._failures[name] = self._failures.get(name, 0) + 1
            rules = [rule for rule in _rules(config, name) if failures >= rule.for_]
            if not rules or name in self._firing_since:
                return
            self._firing_since[name] = now
        summary = scrub(f"{name}: the run could not use the store: {error}")
        for rule in rules:
            self._send(config, name, rule.channels, "firing", rule.severity, summary, now, None)

    def run_recorded(self, config: Config, name: str) -> None:
        """A run of ``name`` was recorded: the store works again for it."""
        with self._lock:
            self._failures.pop(name, None)
            started = self._firing_since.pop(name, None)
        if started is None:
            return
        now = datetime.now(timezone.utc)
        summary = f"{name}: the store answers again"
        for rule in _rules(config, name):
            if rule.send_resolved:
                self._send(config, name, rule.channels, "resolved", rule.severity, summary, started, now)

    @staticmethod
    def _send(
        config: Config,
        name: str,
        channels: list[str],
        status: Status,
        severity: str,
        summary: str,
        started: datetime,
        resolved: datetime | None,
    ) -> None:
        now = datetime.now(timezone.utc)
        event = AlertEvent(
            alert_id=alert_id(name, "run_failed", SUBJECT),
            monitor=name,
            rule="run_failed",
            subject=SUBJECT,
            status=status,
            severity=severity,  # type: ignore[arg-type]
            summary=summary,
            value=None,
            threshold=None,
            started_at=started,
            resolved_at=resolved,
            window_start=now,
            window_end=now,
        )
        for channel_name in channels:
            channel = make_channel(channel_name, config.channels[channel_name])
            answer = channel.send(Notification(new_id(), channel_name, name, (event,)))
            if answer.ok:
                log.info("monitor %s: run_failed/store %s sent to %s", name, status, channel_name)
            else:
                log.error(
                    "monitor %s: run_failed/store %s not delivered to %s: %s",
                    name,
                    status,
                    channel_name,
                    answer.answer,
                )


def _rules(config: Config, name: str) -> list[AlertRuleConfig]:
    monitor = config.monitors.get(name)
    return [rule for rule in monitor.alerts if rule.rule == "run_failed"] if monitor else []
