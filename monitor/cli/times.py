"""Times and durations given on the command line."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from monitor.config.durations import parse_duration
from monitor.errors import ConfigError


def parse_at(value: str | None, flag: str = "--at") -> datetime:
    """An ISO 8601 time (naive: UTC); ``None``: now."""
    if value is None:
        return datetime.now(timezone.utc)
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"{flag}: {value!r} is not an ISO 8601 time (e.g. 2026-03-08T00:00:00Z)") from None
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)


def parse_every(value: str, flag: str = "--every") -> timedelta:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ConfigError(f"{flag}: {exc}") from None
