"""Segments computed where the data lives (docs/reference.md, "Segments"): one ``GROUP BY``
of the segment columns per window counts every segment's rows, then each chosen segment's
statistics are the whole monitor's statements over that segment's rows only (a filter on
its values added to every window), so they equal the local ones to 1e-9 as the whole
monitor's do.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from monitor.compute.base import WindowStatistics
from monitor.compute.sql import SqlEngine
from monitor.config.models import MonitorConfig
from monitor.errors import ConfigError
from monitor.records.segments import Segment, plain_value
from monitor.records.windows import Windows
from monitor.sources.base import ColumnNotFoundError
from monitor.sources.window import column_key
from monitor.stats.segments import choose

logger = logging.getLogger(__name__)


def with_segments(engine: SqlEngine, monitor: MonitorConfig, windows: Windows) -> WindowStatistics:
    """The whole monitor's statistics and, with ``segments:``, each chosen segment's."""
    whole = engine.evaluate(monitor, windows)
    config = monitor.segments
    if config is None:
        return whole
    by = tuple(config.by)
    try:
        engine.require_columns(list(by))
    except ColumnNotFoundError as exc:  # the words and key of a local read
        raise ConfigError(exc.detail, key=column_key(monitor, exc.column)) from exc
    counts: dict[tuple[Any, ...], list[int]] = {}
    for side, window in enumerate((windows.reference, windows.current)):
        for *values, rows in engine.segment_counts(window, by):
            counts.setdefault(tuple(values), [0, 0])[side] += int(rows)
    keys = list(counts)
    segments = [Segment(by, _plain(key)) for key in keys]
    reference_counts = np.array([counts[key][0] for key in keys], dtype=np.int64)
    current_counts = np.array([counts[key][1] for key in keys], dtype=np.int64)
    chosen, skipped = choose(
        segments.__getitem__, reference_counts, current_counts, config.top, config.min_rows
    )
    checked = []
    try:
        for code in chosen:
            engine.segment = tuple(zip(by, keys[code], strict=True))  # the engine's own values, bound as read
            checked.append((segments[code], engine.evaluate(monitor, windows)))
    finally:
        engine.segment = ()
    logger.info("%d segment(s) computed by %s, %d skipped", len(checked), engine.engine_name, skipped.count)
    whole.segments = checked
    whole.skipped_segments = skipped
    return whole


def _plain(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(plain_value(value) for value in key)
