"""Wording shared by the channels: numbers, times, titles, and cutting text to a limit."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from monitor.records.events import AlertEvent, DriftedColumn, Notification
from monitor.records.segments import segment_of

ELLIPSIS = "…"
MAX_NAME = 200  # a column or subject name longer than this is cut in lists
TEST_SUMMARY = "This is a test notification from monitor: the channel works. No alert is firing."


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + ELLIPSIS


def and_more(count: int, noun: str = "more") -> str:
    return f"{ELLIPSIS}and {count} {noun}"


def finite(value: float | None) -> float | None:
    """JSON has no NaN or infinity: send those as null."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def number(value: float | None) -> str:
    value = finite(value)
    if value is None:
        return "n/a"
    return f"{value:.4g}"


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with ``Z``; naive times are UTC (as everywhere in monitor)."""
    if value is None:
        return None
    aware = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return aware.isoformat().replace("+00:00", "Z")


def human_time(value: datetime) -> str:
    aware = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return aware.strftime("%Y-%m-%d %H:%M UTC")


def window_text(event: AlertEvent) -> str:
    start, end = human_time(event.window_start), human_time(event.window_end)
    if start[:10] == end[:10]:  # same day: show it once
        return f"{start[:-4]} → {end[11:]}"
    return f"{start[:-4]} → {end}"


def value_text(event: AlertEvent) -> str:
    return f"{number(event.value)} (threshold {number(event.threshold)})"


def event_facts(event: AlertEvent, value_label: str = "Value") -> list[tuple[str, str]]:
    """What every chat channel shows of one alert, in this order; empty values are left to them."""
    since = (
        ("Resolved", human_time(event.resolved_at))
        if event.resolved_at
        else ("Since", human_time(event.started_at))
    )
    return [
        ("Monitor", event.monitor),
        ("Rule", event.rule),
        ("Subject", event.subject),
        (value_label, value_text(event)),
        ("Window", window_text(event)),
        since,
        ("Severity", event.severity),
    ]


def alert_label(event: AlertEvent) -> str:
    """``column_drift on age``, or just the rule when it has no subject."""
    return f"{event.rule} on {event.subject}" if event.subject else event.rule


def title(notification: Notification) -> str:
    """One line for a header: what happened to which monitor."""
    if notification.test:
        return f"TEST notification from monitor {notification.monitor}"
    firing = sum(1 for e in notification.events if e.status == "firing")
    resolved = len(notification.events) - firing
    parts = []
    if firing:
        parts.append(f"{firing} alert{'s' if firing != 1 else ''} firing")
    if resolved:
        parts.append(f"{resolved} resolved")
    return f"{notification.monitor}: {', '.join(parts) or 'no alerts'}"


def drift_lines(columns: Sequence[DriftedColumn]) -> list[str]:
    """``age: psi 0.31 (threshold 0.2)``, one line per column, in the order given (top first)."""
    return [
        f"{clip(c.column, MAX_NAME)}: {c.method} {number(c.score)} (threshold {number(c.threshold)})"
        for c in columns
    ]


def fit_lines(
    heading: str,
    lines: Sequence[str],
    limit: int,
    max_lines: int,
    noun: str = "more",
    measure: Callable[[str], int] = len,
) -> str:
    """``heading`` and the first lines that fit ``limit`` (as ``measure`` counts), then "…and N more"."""
    kept: list[str] = []
    size = measure(heading)
    for index, line in enumerate(lines):
        rest = len(lines) - index - 1
        reserve = 1 + len(and_more(rest, noun)) if rest else 0
        if index >= max_lines or size + 1 + measure(line) + reserve > limit:
            kept.append(and_more(len(lines) - index, noun))
            break
        kept.append(line)
        size += 1 + measure(line)
    return "\n".join([heading, *kept])


def report_urls(events: Sequence[AlertEvent]) -> list[str]:
    """Distinct report links in event order (one run usually has one report)."""
    seen: dict[str, None] = {}
    for event in events:
        if event.report_url:
            seen.setdefault(event.report_url)
    return list(seen)


def segments_line(notification: Notification, limit: int = 20) -> str | None:
    """``Segments breaching: country=DE, country=FR`` (docs/reference.md, "Segments"): which of
    the monitor's segments fire in this message; None when only the whole monitor does."""
    firing = [segment_of(e.subject) for e in notification.events if e.status == "firing"]
    named = list(dict.fromkeys(segment for segment in firing if segment))
    if not named:
        return None
    shown = ", ".join(clip(segment, MAX_NAME) for segment in named[:limit])
    more = f" {and_more(len(named) - limit)}" if len(named) > limit else ""
    whole = " (and the whole monitor)" if any(not segment for segment in firing) else ""
    return f"Segments breaching: {shown}{more}{whole}"
