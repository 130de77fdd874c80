"""PagerDuty Events API v2: one trigger or resolve event per alert, deduplicated by alert id.

PagerDuty answers 202 when it accepted the event, 400 when the event is invalid
(permanent), 429 and 5xx when it should be sent again later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from monitor.alerts.channels.base import JSON_HEADERS, Channel
from monitor.alerts.channels.text import TEST_SUMMARY, clip, finite, iso, window_text
from monitor.alerts.retry import DeliveryResult, answer_text
from monitor.records.events import AlertEvent, Notification
from monitor.secrets import MASK

DEFAULT_URL = "https://events.pagerduty.com/v2/enqueue"
MAX_DEDUP_KEY = 255
MAX_SUMMARY = 1024
MAX_BODY = 512 * 1024
MAX_DETAIL_COLUMNS = 50
# PagerDuty's severities are critical, error, warning and info: ours map one to one
SEVERITY = {"info": "info", "warning": "warning", "critical": "critical"}


def dedup_key(alert_id: str) -> str:
    """The alert id; an id too long for PagerDuty becomes its stable SHA-256 instead of colliding cut."""
    if len(alert_id) <= MAX_DEDUP_KEY:
        return alert_id
    return "sha256:" + hashlib.sha256(alert_id.encode("utf-8")).hexdigest()


def custom_details(event: AlertEvent, max_columns: int) -> dict[str, Any]:
    details: dict[str, Any] = {
        "monitor": event.monitor,
        "rule": event.rule,
        "subject": event.subject,
        "value": finite(event.value),
        "threshold": finite(event.threshold),
        "window_start": iso(event.window_start),
        "window_end": iso(event.window_end),
        "started_at": iso(event.started_at),
        "window": window_text(event),
    }
    if event.drifted_columns:
        details["drifted_columns"] = {
            c.column: {"method": c.method, "score": finite(c.score), "threshold": finite(c.threshold)}
            for c in event.drifted_columns[:max_columns]
        }
        if len(event.drifted_columns) > max_columns:
            details["drifted_columns_not_shown"] = len(event.drifted_columns) - max_columns
    return details


def trigger(routing_key: str, event: AlertEvent, max_columns: int = MAX_DETAIL_COLUMNS) -> dict[str, Any]:
    body: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": dedup_key(event.alert_id),
        "payload": {
            "summary": clip(event.summary or f"{event.monitor}: {event.rule}", MAX_SUMMARY),
            "source": f"monitor/{event.monitor}",
            "severity": SEVERITY.get(event.severity, "warning"),
            "timestamp": iso(event.started_at),
            "component": event.subject or event.monitor,
            "group": event.monitor,
            "class": event.rule,
            "custom_details": custom_details(event, max_columns),
        },
        "client": "monitor",
    }
    if event.report_url:
        body["client_url"] = event.report_url
        body["links"] = [{"href": event.report_url, "text": "Monitor report"}]
    return body


def resolve(routing_key: str, event: AlertEvent) -> dict[str, Any]:
    return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": dedup_key(event.alert_id)}


def trigger_for_test(routing_key: str, notification: Notification, now: datetime) -> dict[str, Any]:
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": f"monitor-test-{notification.delivery_id}"[:MAX_DEDUP_KEY],
        "payload": {
            "summary": clip(f"[TEST] {notification.monitor}: {TEST_SUMMARY}", MAX_SUMMARY),
            "source": f"monitor/{notification.monitor}",
            "severity": "info",
            "timestamp": iso(now),
            "class": "test",
        },
        "client": "monitor",
    }


class PagerDutyChannel(Channel):
    type = "pagerduty"
    groups = False

    @property
    def endpoint(self) -> str:
        return self.config.url or DEFAULT_URL

    @property
    def describe(self) -> str:
        return f"{super().describe[:-1]}, routing key {MASK})"

    def render(self, notification: Notification, now: datetime | None = None) -> tuple[bytes, dict[str, str]]:
        attempt_time = now if now is not None else datetime.now(timezone.utc)
        key = str(self.config.routing_key)
        event = self.single_event(notification)
        if notification.test or event is None:
            return _encode(trigger_for_test(key, notification, attempt_time))
        if event.status == "resolved":
            return _encode(resolve(key, event))
        body, headers = _encode(trigger(key, event))
        if len(body) > MAX_BODY:  # only a huge drift table can do this: send the numbers without it
            body, headers = _encode(trigger(key, event, max_columns=0))
        return body, headers

    def interpret(self, status: int, body: str, headers: Mapping[str, str], now: datetime) -> DeliveryResult:
        result = super().interpret(status, body, headers, now)
        if 300 <= status <= 399:
            return result
        return replace(result, answer=answer_text(status, reply_text(body)))


def reply_text(body: str) -> str:
    """PagerDuty's JSON reply as one line: status, message and the errors it lists."""
    try:
        reply = json.loads(body)
    except ValueError:
        return body
    if not isinstance(reply, dict):
        return body
    parts = [str(reply[key]) for key in ("status", "message") if reply.get(key)]
    errors = reply.get("errors")
    if isinstance(errors, list) and errors:
        parts.append("errors: " + "; ".join(str(e) for e in errors))
    return ": ".join(parts) or body


def _encode(payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    return json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8"), dict(JSON_HEADERS)
