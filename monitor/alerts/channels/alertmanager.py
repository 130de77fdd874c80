"""Prometheus Alertmanager: POST the run's alerts to ``{url}/api/v2/alerts``.

Alertmanager resolves an alert by itself when its ``endsAt`` passes, and a firing
alert is re-sent only every ``repeat_interval``; so a firing alert carries an
``endsAt`` well in the future (``FIRING_TTL`` after this attempt) rather than
none, which Alertmanager would turn into ``resolve_timeout`` (5 minutes by default).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from monitor.alerts.channels.base import JSON_HEADERS, Channel
from monitor.alerts.channels.text import TEST_SUMMARY, iso, value_text, window_text
from monitor.records.events import AlertEvent, Notification
from monitor.records.segments import segment_of

API_PATH = "/api/v2/alerts"
FIRING_TTL = timedelta(hours=24)
TEST_TTL = timedelta(minutes=5)


def labels(event: AlertEvent, rule: str | None = None) -> dict[str, str]:
    """The alert's identity in Alertmanager; an empty label is the same as none, so it is left out."""
    rule_name = rule or event.rule
    values = {
        "alertname": f"monitor_{rule_name}",
        "monitor": event.monitor,
        "rule": rule_name,
        "subject": event.subject,
        "segment": segment_of(event.subject),  # routes and groups by segment (docs/reference.md)
        "severity": event.severity,
    }
    return {key: value for key, value in values.items() if value}


def alert_annotations(event: AlertEvent) -> dict[str, str]:
    values = {
        "summary": event.summary,
        "description": f"value {value_text(event)}, window {window_text(event)}",
        "report_url": event.report_url or "",
    }
    return {key: value for key, value in values.items() if value}


def alert(event: AlertEvent, now: datetime) -> dict[str, Any]:
    body: dict[str, Any] = {
        "labels": labels(event),
        "annotations": alert_annotations(event),
        "startsAt": iso(event.started_at),
    }
    if event.status == "resolved":
        # Alertmanager refuses an end before the start (clock skew between runs)
        body["endsAt"] = iso(max(event.resolved_at or now, event.started_at))
    else:
        body["endsAt"] = iso(now + FIRING_TTL)
    if event.report_url:  # generatorURL must be a URI: absent rather than empty
        body["generatorURL"] = event.report_url
    return body


def alert_for_test(notification: Notification, now: datetime) -> dict[str, Any]:
    """A short-lived ``monitor_test`` alert, so a test shows up in Alertmanager and then goes."""
    return {
        "labels": {
            "alertname": "monitor_test",
            "monitor": notification.monitor,
            "rule": "test",
            "severity": "info",
        },
        "annotations": {"summary": TEST_SUMMARY},
        "startsAt": iso(now),
        "endsAt": iso(now + TEST_TTL),
    }


class AlertmanagerChannel(Channel):
    type = "alertmanager"
    groups = True

    @property
    def endpoint(self) -> str:
        base = str(self.config.url).rstrip("/")
        return base if base.endswith(API_PATH) else base + API_PATH

    def render(self, notification: Notification, now: datetime | None = None) -> tuple[bytes, dict[str, str]]:
        attempt_time = now if now is not None else datetime.now(timezone.utc)
        if notification.test:
            alerts = [alert_for_test(notification, attempt_time)]
        else:
            alerts = [alert(event, attempt_time) for event in notification.events]
        return json.dumps(alerts, ensure_ascii=False).encode("utf-8"), dict(JSON_HEADERS)
