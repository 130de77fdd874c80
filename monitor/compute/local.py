"""The ``local`` engine: both windows read into memory and scored by ``monitor.stats``.

What ``monitor check`` has always done (``monitor.evaluate``); the pushdown engines are
held equal to it.
"""

from __future__ import annotations

from monitor import sources
from monitor.compute.base import ComputeEngine, WindowStatistics
from monitor.config.models import MonitorConfig
from monitor.records.result import MonitorResult
from monitor.records.windows import Windows


class LocalEngine(ComputeEngine):
    name = "local"

    def row_counts(self, windows: Windows) -> tuple[int, int]:
        """Rows per window, reading only the time column."""
        with sources.open_source(self.source) as source:
            reference = source.read_window([], windows.reference.start, windows.reference.end)
            current = source.read_window([], windows.current.start, windows.current.end)
        return len(reference), len(current)

    def evaluate(self, monitor: MonitorConfig, windows: Windows) -> WindowStatistics:
        from monitor.evaluate.frames import read_windows
        from monitor.evaluate.statistics import compute

        empty = MonitorResult("local", windows, drift_share_threshold=monitor.drift.share)
        frames = read_windows(monitor, windows)
        return WindowStatistics.of(compute(monitor, empty, frames))
