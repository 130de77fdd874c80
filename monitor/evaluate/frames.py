"""The rows of a monitor's windows: read from the source, rebuilt from a cached reference profile,
or sampled by the engine for the report of a pushed-down run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from monitor import sources
from monitor.config.models import MonitorConfig
from monitor.records.result import MonitorResult
from monitor.records.windows import Interval, Windows
from monitor.sources.timestamps import within_window

if TYPE_CHECKING:
    from monitor.compute.profiles import ReferenceProfile
    from monitor.compute.sql import SqlEngine
    from monitor.compute.statements import WindowSpec


@dataclass(frozen=True)
class Frames:
    """The rows both windows hold, kept for the report built after the run is recorded.

    ``reference_profiled``: the reference is its cached profile (each column's values, rows no
    longer pairing columns, no target): charts that pair columns skip it. ``window_rows``: the
    (reference, current) rows of the windows when the frames are samples drawn in the engine."""

    reference: pd.DataFrame
    current: pd.DataFrame
    reference_profiled: bool = False
    window_rows: tuple[int, int] | None = None


def needs_reference_rows(monitor: MonitorConfig) -> bool:
    """Whether the monitor pairs the reference's columns within rows (segments, estimation), which
    a profile of each column's values cannot give: its reference is read on every run."""
    return monitor.segments is not None or monitor.estimation is not None or monitor.multivariate is not None


def profiled_columns(monitor: MonitorConfig) -> list[str]:
    """The reference's columns a profile keeps: every column read but the time, the target and keys
    (columns paired within rows, or unique per row)."""
    columns = wanted_columns(monitor)
    if columns is None:
        with sources.open_source(monitor.source) as source:
            columns = list(source.list_columns())
    skipped = {monitor.source.timestamp, *monitor.duplicate_key_columns()}
    if monitor.target is not None:
        skipped.update(c for c in (monitor.target.column, monitor.target.join_on) if c)
    return [column for column in columns if column not in skipped]


def read_current(monitor: MonitorConfig, windows: Windows, reference: ReferenceProfile) -> Frames:
    """The current window's rows, and the reference rebuilt from its cached profile."""
    window = windows.current
    current = sources.read_window(monitor, wanted_columns(monitor), window.start, window.end)
    return Frames(reference.frame(), current, reference_profiled=True)


def sampled_frames(monitor: MonitorConfig, result: MonitorResult, max_rows: int) -> Frames:
    """A pushed-down run's report rows: at most ``max_rows`` of each window, drawn by the engine
    (``monitor.compute.sample``), with a target from another table joined onto them."""
    from monitor.compute.sample import sample_window

    join_on = monitor.target.join_on if monitor.target is not None else None

    def sampled(engine: SqlEngine, spec: WindowSpec, columns: list[str]) -> pd.DataFrame:
        return sample_window(engine, spec, columns, [join_on] if join_on else columns, max_rows)

    reference, current = _rows_through_engine(monitor, result.windows, wanted_columns(monitor), sampled)
    return Frames(reference, current, window_rows=(result.reference_rows, result.rows))


def engine_windows(
    monitor: MonitorConfig, windows: Windows, columns: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``columns`` of both windows' every row read through the source's pushdown engine: a
    ``spark:`` source's rows are reachable only there."""
    from monitor.compute.sample import window_rows

    return _rows_through_engine(monitor, windows, columns, window_rows)


def _rows_through_engine(
    monitor: MonitorConfig,
    windows: Windows,
    columns: Sequence[str] | None,
    rows_of: Callable[[SqlEngine, WindowSpec, list[str]], pd.DataFrame],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``columns`` (None: all) of both windows with the timestamp and the target, as
    ``sources.read_window`` gives them, drawn by ``rows_of`` in the source's pushdown engine.
    A target in another table is joined where the run's statistics join it: in the engine
    when the labels live beside the log (always so for a ``spark:`` source), else here."""
    from monitor.compute import engine_class, pushdown_engine
    from monitor.compute.joined import join_target_in_engine, labels_in_the_same_place
    from monitor.compute.sql import SqlEngine
    from monitor.sources.window import join_target

    source, target = monitor.source, monitor.target
    labels = labels_in_the_same_place(monitor)
    joined_here = target is not None and target.separate and labels is None
    with engine_class(str(pushdown_engine(source)))(source) as engine:
        assert isinstance(engine, SqlEngine)  # every pushdown engine runs SQL
        wanted = [source.timestamp, *(columns if columns is not None else engine.column_types())]
        if target is not None:
            wanted.append(str(target.join_on) if joined_here else target.column)
        wanted = list(dict.fromkeys(wanted))
        if labels is not None:
            join_target_in_engine(engine, monitor, labels)
        try:
            reference = rows_of(engine, engine.spec(windows.reference), wanted)
            current = rows_of(engine, engine.spec(windows.current), wanted)
        finally:
            if engine.joined is not None:
                engine.joined.labels.close()
    if joined_here:
        reference, current = join_target(monitor, reference), join_target(monitor, current)
    return reference, current


def read_windows(monitor: MonitorConfig, windows: Windows) -> Frames:
    columns = wanted_columns(monitor)
    current_window, reference_window = windows.current, windows.reference
    if monitor.source.path is not None and _touching(reference_window, current_window):
        # files are scanned whole for every read: one read of the span serves both windows
        span = sources.read_window(
            monitor,
            columns,
            min(reference_window.start, current_window.start),
            max(reference_window.end, current_window.end),
        )
        reference = _rows_within(span, monitor.source.timestamp, reference_window)
        current = _rows_within(span, monitor.source.timestamp, current_window)
    else:
        current, reference = sources.read_windows(
            monitor,
            columns,
            [(current_window.start, current_window.end), (reference_window.start, reference_window.end)],
        )
    return Frames(reference, current)


def _touching(first: Interval, second: Interval) -> bool:
    """The two windows overlap or meet: their span holds no rows that neither needs."""
    return first.start <= second.end and second.start <= first.end


def _rows_within(span: pd.DataFrame, timestamp: str, window: Interval) -> pd.DataFrame:
    """The rows of ``span`` (in time order, as sources return them) in [window.start, window.end)."""
    times = span[timestamp]
    if not times.is_monotonic_increasing:
        return within_window(span, timestamp, window.start, window.end)
    first, last = times.searchsorted([pd.Timestamp(window.start), pd.Timestamp(window.end)], side="left")
    rows = span.iloc[first:last]  # a view of the span's columns: reset_index would copy them
    rows.index = pd.RangeIndex(len(rows))
    return rows


def prediction_columns(monitor: MonitorConfig) -> list[str]:
    prediction = monitor.prediction
    if prediction is None:
        return []
    return prediction.columns


def not_features(monitor: MonitorConfig) -> set[str]:
    excluded = {monitor.source.timestamp, *prediction_columns(monitor), *monitor.duplicate_key_columns()}
    if monitor.target is not None:
        excluded.add(monitor.target.column)
        if monitor.target.join_on:
            excluded.add(monitor.target.join_on)
    return excluded


def wanted_columns(monitor: MonitorConfig) -> list[str] | None:
    """Only what the monitor uses is fetched; ``None`` (all) when features are to be inferred."""
    if monitor.features is None:
        return None
    columns = [*monitor.features.all, *prediction_columns(monitor), *monitor.duplicate_key_columns()]
    if monitor.segments is not None:
        columns += monitor.segments.by
    target = monitor.target
    if target is not None and target.join_on and target.join_on not in columns:
        columns.append(target.join_on)
    return list(dict.fromkeys(columns))
