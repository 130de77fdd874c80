"""When a delivery is retried, and how long to wait: the retry rules of docs/reference.md ("Alerts").

Connection errors, timeouts, 408, 429 and 5xx are worth another try; any other
4xx (or an unexpected 3xx) is the receiver refusing the message for good.
Waits grow exponentially from ``retry.initial`` up to ``retry.max`` with jitter,
are never shorter than a ``Retry-After`` the receiver asked for, and a delivery
is given up once its first attempt is older than ``retry.max_age``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Protocol

from monitor.config.models import RetryConfig

RETRYABLE_STATUSES = frozenset({408, 429})
ANSWER_LIMIT = 300  # characters of a receiver's body kept in the answer (logged, stored)


class UniformRandom(Protocol):
    """What ``next_delay`` needs of its random source (``random.Random`` fits)."""

    def uniform(self, a: float, b: float) -> float: ...


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of one HTTP attempt; ``answer`` is safe to log (no secrets)."""

    ok: bool
    retry: bool
    status: int | None
    answer: str
    retry_after: float | None = None  # seconds the receiver asked us to wait


def answer_text(status: int | None, body: str) -> str:
    """One line naming the status and the start of the receiver's reply."""
    snippet = " ".join(body.split())
    if len(snippet) > ANSWER_LIMIT:
        snippet = snippet[: ANSWER_LIMIT - 1] + "…"
    head = f"HTTP {status}" if status is not None else "no response"
    return f"{head}: {snippet}" if snippet else head


def is_retryable(status: int | None) -> bool:
    return status is None or status in RETRYABLE_STATUSES or 500 <= status <= 599


def classify(
    status: int | None,
    body: str,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> DeliveryResult:
    """The generic rule: 2xx ok; no response, 408, 429, 5xx retry; anything else permanent.

    Channels with stricter success rules (Slack wants the body ``ok``) check those first.
    """
    answer = answer_text(status, body)
    if status is not None and 200 <= status <= 299:
        return DeliveryResult(ok=True, retry=False, status=status, answer=answer)
    if is_retryable(status):
        retry_after = None
        if headers is not None:
            retry_after = parse_retry_after(_header(headers, "Retry-After"), now or _utcnow())
        return DeliveryResult(ok=False, retry=True, status=status, answer=answer, retry_after=retry_after)
    return DeliveryResult(ok=False, retry=False, status=status, answer=answer)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as delay-seconds or as an HTTP date; ``None`` when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until(text, now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def next_delay(attempt: int, retry: RetryConfig, retry_after: float | None, rng: UniformRandom) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1 = the first attempt).

    The ceiling doubles from ``retry.initial`` per attempt and stops at ``retry.max``;
    the wait is drawn uniformly from the upper half of that ceiling ("equal jitter"):
    retries of many deliveries spread out, yet the first retry still comes after
    about ``retry.initial`` as docs/reference.md promises (full jitter could retry at once).
    A ``Retry-After`` longer than that is waited out in full.
    """
    if attempt < 1:
        raise ValueError(f"attempt counts from 1, got {attempt}")
    initial = retry.initial.total_seconds()
    ceiling_max = max(initial, retry.max.total_seconds())
    # cap the exponent: 2**60 seconds is already far beyond any max
    ceiling = min(ceiling_max, initial * 2.0 ** min(attempt - 1, 60))
    delay = rng.uniform(ceiling / 2, ceiling)
    if retry_after is not None and retry_after > delay:
        return retry_after
    return delay


def expired(first_attempt_at: datetime, now: datetime, retry: RetryConfig) -> bool:
    """True once a delivery has been tried for longer than ``retry.max_age``: give it up."""
    return now - first_attempt_at >= retry.max_age


def _seconds_until(http_date: str, now: datetime) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT
        when = when.replace(tzinfo=timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)
