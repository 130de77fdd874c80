"""Generic webhook: the JSON body of docs/reference.md, signed per the Standard Webhooks specification.

Receivers verify with any standardwebhooks library: the signed content is
``"{webhook-id}.{webhook-timestamp}.{body}"``, HMAC-SHA256, base64, prefixed ``v1,``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime, timezone
from typing import Any

import requests

from monitor.alerts.channels.base import JSON_HEADERS, Channel
from monitor.alerts.channels.text import TEST_SUMMARY, finite, iso
from monitor.config.models import ChannelConfig
from monitor.errors import ConfigError
from monitor.records.events import AlertEvent, Notification

SECRET_PREFIX = "whsec_"


def signing_key(secret: str) -> bytes:
    """``whsec_<base64>`` is keyed with the decoded bytes, any other string with its UTF-8 bytes."""
    if not secret.startswith(SECRET_PREFIX):
        return secret.encode("utf-8")
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        # padding is optional, as in the standardwebhooks libraries
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a secret starting with whsec_ must continue in base64") from exc
    if not key:
        raise ValueError("a secret starting with whsec_ must continue with the base64 of a key")
    return key


def sign(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def event_body(event: AlertEvent) -> dict[str, Any]:
    """The documented body (docs/reference.md, "Webhook payload"), exactly these keys."""
    return {
        "version": "1",
        "status": event.status,
        "alert_id": event.alert_id,
        "monitor": event.monitor,
        "rule": event.rule,
        "subject": event.subject,
        "summary": event.summary,
        "value": finite(event.value),
        "threshold": finite(event.threshold),
        "started_at": iso(event.started_at),
        "resolved_at": iso(event.resolved_at),
        "window": {"start": iso(event.window_start), "end": iso(event.window_end)},
        "report_url": event.report_url,
    }


def body_for_test(notification: Notification, event: AlertEvent | None, now: datetime) -> dict[str, Any]:
    """A firing-shaped body with rule ``test`` so receivers exercise their real code path."""
    return {
        "version": "1",
        "status": "firing",
        "alert_id": event.alert_id if event else f"test-{notification.delivery_id}",
        "monitor": notification.monitor,
        "rule": "test",
        "subject": event.subject if event else "",
        "summary": TEST_SUMMARY,
        "value": None,
        "threshold": None,
        "started_at": iso(now),
        "resolved_at": None,
        "window": {
            "start": iso(event.window_start if event else now),
            "end": iso(event.window_end if event else now),
        },
        "report_url": event.report_url if event else None,
    }


class WebhookChannel(Channel):
    type = "webhook"
    groups = False

    def __init__(self, name: str, config: ChannelConfig, session: requests.Session | None = None) -> None:
        super().__init__(name, config, session)
        try:
            self._key = signing_key(config.secret) if config.secret else None
        except ValueError as exc:
            raise ConfigError(str(exc), key=f"channels.{name}.secret") from None

    def render(self, notification: Notification, now: datetime | None = None) -> tuple[bytes, dict[str, str]]:
        attempt_time = now if now is not None else datetime.now(timezone.utc)
        event = self.single_event(notification)
        if notification.test:
            payload = body_for_test(notification, event, attempt_time)
        else:
            assert event is not None  # single_event allows none only for a test
            payload = event_body(event)
        body = json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
        timestamp = int(attempt_time.timestamp())
        # configured extras first: they must not replace the signature headers
        headers = {**self.config.headers, **JSON_HEADERS}
        headers["webhook-id"] = notification.delivery_id
        headers["webhook-timestamp"] = str(timestamp)
        if self._key is not None:
            headers["webhook-signature"] = sign(self._key, notification.delivery_id, timestamp, body)
        return body, headers
