"""Which rows a run looks at: the current window and the reference window.

The current window is ``[at - window, at)``. The reference is absolute
(``{start, end}``) or relative (``{previous: D}``: the D just before the
current window). Half-open intervals, so consecutive runs never count a row twice.
"""

from __future__ import annotations

from datetime import datetime

from monitor.config.models import MonitorConfig, to_utc
from monitor.records.windows import Interval, Windows

__all__ = ["Interval", "Windows", "resolve_windows"]


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
