"""Which rows a run looks at: the current window and the reference window.

The current window is ``[at - window, at)``. The reference is absolute
(``{start, end}``) or relative (``{previous: D}``: the D just before the
current window). Half-open intervals, so consecutive runs never count a row twice.
"""

from __future__ import annotations

from datetime import datetime

from monitor.config.models import MonitorConfig, to_utc
from monitor.errors import ConfigError
from monitor.records.windows import Interval, Windows

__all__ = ["Interval", "Windows", "ensure_disjoint", "resolve_windows"]


def resolve_windows(monitor: MonitorConfig, at: datetime) -> Windows:
    end = to_utc(at)
    current = Interval(end - monitor.window, end)
    ref = monitor.reference
    if ref.previous is not None:
        reference = Interval(current.start - ref.previous, current.start)
    else:
        assert ref.start is not None and ref.end is not None  # guaranteed by ReferenceConfig
        reference = Interval(ref.start, ref.end)
    return Windows(current=current, reference=reference)


def ensure_disjoint(windows: Windows) -> None:
    """An absolute reference must not overlap the current window: rows in both would be compared
    with themselves and hide drift (docs/reference.md, "Durations and numbers")."""
    current, reference = windows.current, windows.reference
    if reference.start < current.end and current.start < reference.end:
        raise ConfigError(
            f"the reference window {reference.start.isoformat()} to {reference.end.isoformat()} overlaps "
            f"the current window {current.start.isoformat()} to {current.end.isoformat()}; "
            "check at a later time or move the reference",
            key="reference",
        )
