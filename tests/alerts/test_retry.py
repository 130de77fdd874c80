"""Retry rules of the contract (§4): what is retried, how long to wait, when to give up."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from monitor.alerts.retry import classify, expired, next_delay, parse_retry_after
from monitor.config.models import RetryConfig

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("status", "ok", "retry"),
    [
        (200, True, False),
        (202, True, False),
        (204, True, False),
        (400, False, False),
        (401, False, False),
        (403, False, False),
        (404, False, False),
        (408, False, True),
        (410, False, False),
        (422, False, False),
        (429, False, True),
        (500, False, True),
        (502, False, True),
        (503, False, True),
        (504, False, True),
        (None, False, True),  # connection error or timeout: no status at all
    ],
)
def test_classify_status(status: int | None, ok: bool, retry: bool) -> None:
    result = classify(status, "body", {}, NOW)
    assert (result.ok, result.retry, result.status) == (ok, retry, status)


def test_classify_keeps_the_reason_and_the_retry_after() -> None:
    result = classify(429, "rate_limited", {"retry-after": "30"}, NOW)
    assert "429" in result.answer and "rate_limited" in result.answer
    assert result.retry_after == 30.0


def test_classify_shortens_a_long_body_to_one_line() -> None:
    result = classify(500, "<html>\n" + "x" * 5000 + "\n</html>", {}, NOW)
    assert "\n" not in result.answer
    assert len(result.answer) < 400


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after("120", NOW) == 120.0
    assert parse_retry_after(" 0 ", NOW) == 0.0
    assert parse_retry_after("-5", NOW) == 0.0


def test_retry_after_as_http_date() -> None:
    later = NOW + timedelta(seconds=90)
    assert parse_retry_after(format_datetime(later, usegmt=True), NOW) == pytest.approx(90.0)
    assert parse_retry_after("Sun, 01 Mar 2026 12:02:00 GMT", NOW) == pytest.approx(120.0)


def test_retry_after_in_the_past_means_now() -> None:
    assert parse_retry_after(format_datetime(NOW - timedelta(hours=1), usegmt=True), NOW) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "nan", "inf", "Mon, 99 Foo 2026"])
def test_retry_after_unreadable_is_none(value: str | None) -> None:
    assert parse_retry_after(value, NOW) is None


def test_next_delay_doubles_within_jitter_bounds_up_to_max() -> None:
    retry = RetryConfig(initial=timedelta(seconds=1), max=timedelta(seconds=60))
    rng = random.Random(7)
    for attempt in range(1, 12):
        ceiling = min(60.0, 2.0 ** (attempt - 1))
        delays = [next_delay(attempt, retry, None, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays), attempt
        # jittered: not one fixed value
        assert max(delays) - min(delays) > ceiling / 10


def test_first_retry_comes_after_about_initial() -> None:
    rng = random.Random(1)
    delays = [next_delay(1, RetryConfig(), None, rng) for _ in range(100)]
    assert all(0.5 <= d <= 1.0 for d in delays)


def test_next_delay_grows_on_average() -> None:
    retry = RetryConfig(initial=timedelta(seconds=2), max=timedelta(minutes=5))
    rng = random.Random(3)
    means = [sum(next_delay(a, retry, None, rng) for _ in range(300)) / 300 for a in range(1, 8)]
    assert all(later > 1.8 * earlier for earlier, later in zip(means, means[1:], strict=False))
    assert max(next_delay(1000, retry, None, rng) for _ in range(100)) <= 300.0


def test_next_delay_never_earlier_than_retry_after() -> None:
    rng = random.Random(5)
    assert next_delay(1, RetryConfig(), 42.0, rng) == 42.0
    # a Retry-After longer than max is still honoured
    assert next_delay(3, RetryConfig(max=timedelta(seconds=10)), 600.0, rng) == 600.0
    # a short Retry-After does not shorten the backoff
    assert next_delay(5, RetryConfig(), 0.5, rng) >= 8.0


def test_next_delay_counts_attempts_from_one() -> None:
    with pytest.raises(ValueError):
        next_delay(0, RetryConfig(), None, random.Random())


def test_expired_after_max_age() -> None:
    retry = RetryConfig(max_age=timedelta(hours=24))
    first = NOW - timedelta(hours=24)
    assert expired(first, NOW, retry)
    assert not expired(first + timedelta(seconds=1), NOW, retry)
    assert expired(NOW - timedelta(days=3), NOW, retry)
