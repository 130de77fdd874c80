"""The base of every notification channel: render a notification, POST it once, classify the reply.

A channel makes exactly one HTTP attempt per ``send``; retrying, backing off and
giving up belong to the outbox, which reads the returned ``DeliveryResult``.
``send`` never raises for HTTP or network trouble, and nothing it returns or
logs holds the channel's secrets (webhook URL path, routing key, signing secret).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import ClassVar
from urllib.parse import urlsplit

import requests

from monitor.alerts.retry import DeliveryResult, answer_text, classify
from monitor.config.models import ChannelConfig
from monitor.records.events import AlertEvent, Notification
from monitor.secrets import MASK, mask_url, registry

logger = logging.getLogger(__name__)

USER_AGENT = "monitor-alerts/1"
JSON_HEADERS = {"Content-Type": "application/json", "User-Agent": USER_AGENT}


class Channel(ABC):
    """One configured destination. Subclasses set ``type``, ``groups`` and implement ``render``."""

    type: ClassVar[str]
    # True: one message per monitor per run carrying all its events; False: one per event
    groups: ClassVar[bool]

    def __init__(self, name: str, config: ChannelConfig, session: requests.Session | None = None) -> None:
        if config.type != self.type:
            raise ValueError(f"channel {name}: config of type {config.type} given to a {self.type} channel")
        self.name = name
        self.config = config
        self.session = session if session is not None else requests.Session()
        self._secrets = _secret_strings(config)
        # urllib3 logs request lines (with the URL path) at DEBUG: scrub those too
        registry.update(self._secrets)
        _guard_http_logs()

    @abstractmethod
    def render(self, notification: Notification, now: datetime | None = None) -> tuple[bytes, dict[str, str]]:
        """The request body and headers for ``notification``; ``now`` is the attempt time."""

    @property
    def endpoint(self) -> str:
        """Where ``send`` POSTs to (a secret for Slack and Teams)."""
        return str(self.config.url)

    @property
    def describe(self) -> str:
        """``'slack team-slack (https://hooks.slack.com/***)'``: safe to log and show."""
        return f"{self.type} {self.name} ({mask_url(self.endpoint)})"

    def send(self, notification: Notification, now: datetime | None = None) -> DeliveryResult:
        attempt_time = now if now is not None else datetime.now(timezone.utc)
        body, headers = self.render(notification, attempt_time)
        try:
            response = self.session.post(
                self.endpoint,
                data=body,
                headers=headers,
                timeout=self.config.timeout.total_seconds(),
                allow_redirects=False,  # a redirected webhook is misconfigured: report it, don't follow
            )
        except requests.Timeout:
            result = DeliveryResult(
                ok=False,
                retry=True,
                status=None,
                answer=f"no response within {self.config.timeout.total_seconds():g} s (timeout)",
            )
        except requests.ConnectionError as exc:
            result = DeliveryResult(ok=False, retry=True, status=None, answer=self._connection_answer(exc))
        except requests.RequestException as exc:  # invalid URL or header: retrying will not help
            result = DeliveryResult(
                ok=False, retry=False, status=None, answer=self.scrub(f"request failed: {type(exc).__name__}")
            )
        else:
            result = self.interpret(response.status_code, response.text, response.headers, attempt_time)
            result = DeliveryResult(
                ok=result.ok,
                retry=result.retry,
                status=result.status,
                answer=self.scrub(result.answer),
                retry_after=result.retry_after,
            )
        logger.debug("delivery %s to %s: %s", notification.delivery_id, self.describe, result.answer)
        return result

    def interpret(self, status: int, body: str, headers: Mapping[str, str], now: datetime) -> DeliveryResult:
        """Classify the reply; channels with stricter success rules override this."""
        if 300 <= status <= 399:
            return DeliveryResult(
                ok=False, retry=False, status=status, answer=answer_text(status, "redirect: check the url")
            )
        return classify(status, body, headers, now)

    def scrub(self, text: str) -> str:
        """Mask this channel's secrets (longest first) and any other known secret in ``text``."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return registry.scrub(text)

    def single_event(self, notification: Notification) -> AlertEvent | None:
        """The one event of a per-event channel's notification (none for a bare test message)."""
        if len(notification.events) > 1 or (not notification.events and not notification.test):
            raise ValueError(
                f"channel {self.name} ({self.type}) sends one event per notification, "
                f"got {len(notification.events)}"
            )
        return notification.events[0] if notification.events else None

    def _connection_answer(self, exc: requests.ConnectionError) -> str:
        # the exception text carries the URL path; keep only what helps a human
        reason = str(exc)
        for known in ("Connection refused", "Name or service not known", "No route to host", "reset by peer"):
            if known in reason:
                return f"connection failed: {known.lower()}"
        return self.scrub(f"connection failed: {type(exc).__name__}")


def _secret_strings(config: ChannelConfig) -> list[str]:
    """The config's secrets plus the parts of a secret URL that appear alone in messages."""
    secrets = list(config.secrets())
    if config.url and config.url in secrets:
        parts = urlsplit(config.url)
        path_and_query = parts.path + (f"?{parts.query}" if parts.query else "")
        secrets += [p for p in (path_and_query, parts.path, parts.query) if len(p) >= 4]
        if parts.password:
            secrets.append(parts.password)
    return secrets


class _ScrubHttpLogs(logging.Filter):
    """Mask secrets in urllib3's request lines before they reach any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = registry.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


_HTTP_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "requests")


def _guard_http_logs() -> None:
    for name in _HTTP_LOGGERS:
        http_logger = logging.getLogger(name)
        if not any(isinstance(f, _ScrubHttpLogs) for f in http_logger.filters):
            http_logger.addFilter(_ScrubHttpLogs())
