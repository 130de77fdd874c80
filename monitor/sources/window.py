"""A monitor's rows of one window, with its ground truth joined in, and the connect-time check.

The target (label) may sit in the same rows as the predictions or arrive later
in another table, query or file; then it is joined on ``target.join_on`` with
a left join, so predictions whose label has not arrived keep a NaN target.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from monitor.config.models import MonitorConfig, SourceConfig
from monitor.errors import ConfigError
from monitor.sources.base import ColumnKind, ColumnNotFoundError, TableNotFoundError, unique
from monitor.sources.registry import open_source

logger = logging.getLogger(__name__)


def read_window(
    monitor: MonitorConfig, columns: Sequence[str] | None, start: datetime, end: datetime
) -> pd.DataFrame:
    """The monitor's log rows in [start, end): ``columns`` (None: all), the timestamp, the target.

    A column the source lacks raises ConfigError keyed by the config entry naming it
    (``features.categorical``), as ``monitor validate --connect`` reports it.
    """
    return read_windows(monitor, columns, [(start, end)])[0]


def read_windows(
    monitor: MonitorConfig, columns: Sequence[str] | None, windows: Sequence[tuple[datetime, datetime]]
) -> list[pd.DataFrame]:
    """:func:`read_window` of each [start, end) of ``windows``, in that order, read at the same
    time where the source can (SQL databases read through ADBC: docs/reference.md, "Reading SQL
    sources")."""
    try:
        return _read_windows(monitor, columns, windows)
    except ColumnNotFoundError as exc:
        raise ConfigError(exc.detail, key=column_key(monitor, exc.column)) from exc
    except TableNotFoundError as exc:
        raise ConfigError(exc.detail, key="source.table") from exc


def column_key(monitor: MonitorConfig, column: str) -> str | None:
    """The key path (inside the monitor) of the config entry that names ``column``."""
    named: list[tuple[str, str | None]] = [("source.timestamp", monitor.source.timestamp)]
    if monitor.features is not None:
        named += [("features.numerical", name) for name in monitor.features.numerical]
        named += [("features.categorical", name) for name in monitor.features.categorical]
    if monitor.prediction is not None:
        named += [
            ("prediction.column", monitor.prediction.column),
            ("prediction.score", monitor.prediction.score),
            *(
                (f"prediction.scores.{label}", name)
                for label, name in (monitor.prediction.scores or {}).items()
            ),
        ]
    if monitor.target is not None:
        named += [("target.column", monitor.target.column), ("target.join_on", monitor.target.join_on)]
    if monitor.segments is not None:
        named += [("segments.by", name) for name in monitor.segments.by]
    return next((key for key, name in named if name == column), None)


def _read_windows(
    monitor: MonitorConfig, columns: Sequence[str] | None, windows: Sequence[tuple[datetime, datetime]]
) -> list[pd.DataFrame]:
    target = monitor.target
    with open_source(monitor.source) as source:
        if target is None:
            return source.read_windows(columns, windows)
        if not target.separate:
            wanted = None if columns is None else unique([*columns, target.column])
            return source.read_windows(wanted, windows)
        key = str(target.join_on)
        wanted = None if columns is None else unique([*columns, key])
        frames = source.read_windows(wanted, windows)
    labels = target_source_config(monitor)
    joined = [_join_target(frame, labels, target.column, key) for frame in frames]
    if columns is not None and key not in columns and key != monitor.source.timestamp:
        joined = [frame.drop(columns=[key]) for frame in joined]
    return joined


def join_target(monitor: MonitorConfig, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (rows of the log with the ``join_on`` key) with the separate target joined on."""
    target = monitor.target
    if target is None or not target.separate:
        raise ConfigError("this monitor's target is not in a separate table or file", key="target")
    return _join_target(frame, target_source_config(monitor), target.column, str(target.join_on))


def target_source_config(monitor: MonitorConfig) -> SourceConfig:
    """Where a separate target lives, as a source: its own url, else the log's database (or
    the log's Spark session)."""
    target = monitor.target
    if target is None or not target.separate:
        raise ConfigError("this monitor's target is not in a separate table or file", key="target")
    key = str(target.join_on)
    # a label table has no time column of its own; read_keys never filters on time, so the key stands in
    if target.path is not None:
        return SourceConfig(path=target.path, timestamp=key)
    if monitor.source.spark is not None and target.url is None:  # a table of the same Spark session
        return SourceConfig(spark=monitor.source.spark, table=target.table, query=target.query, timestamp=key)
    url = target.url if target.url is not None else monitor.source.url
    if url is None:
        raise ConfigError(
            "a target table or query needs target.url when the source is files", key="target.url"
        )
    return SourceConfig(url=url, table=target.table, query=target.query, timestamp=key)


def _join_target(frame: pd.DataFrame, labels_config: SourceConfig, column: str, key: str) -> pd.DataFrame:
    keys = frame[key]
    try:
        labels = _labels(labels_config, column, key, keys)
    except TableNotFoundError as exc:
        raise ConfigError(exc.detail, key="target.table") from exc
    # a label corrected later is written again: the last row of a key wins
    labels = labels.drop_duplicates(subset=[key], keep="last")
    labels[key] = _align_keys(labels[key], keys)
    logger.debug("joined %d label(s) onto %d row(s)", len(labels), len(frame))
    base = frame.drop(columns=[column]) if column in frame.columns and column != key else frame
    return base.merge(labels, on=key, how="left", validate="many_to_one")


def _labels(labels_config: SourceConfig, column: str, key: str, keys: pd.Series) -> pd.DataFrame:
    with open_source(labels_config) as labels_source:
        labels = labels_source.read_keys(key, [column], keys) if keys.notna().any() else None
    if labels is None:
        labels = pd.DataFrame({key: pd.Series(dtype=keys.dtype), column: pd.Series(dtype=float)})
    return labels


def _align_keys(label_keys: pd.Series, log_keys: pd.Series) -> pd.Series:
    """Label keys in the log's key dtype, so 7 (an int) and 7 (read as 7.0 or '7') still match."""
    if label_keys.dtype == log_keys.dtype:
        return label_keys
    try:
        return label_keys.astype(log_keys.dtype)
    except (ValueError, TypeError):
        return label_keys


def check_monitor_source(monitor: MonitorConfig) -> list[str]:
    """What ``monitor validate --connect`` reports: problems with the monitor's columns.

    A source that cannot be reached at all raises SourceError.
    """
    problems: list[str] = []
    try:
        with open_source(monitor.source) as source:
            kinds = source.list_columns()
            where = source.location
    except TableNotFoundError as exc:  # the same words `monitor check` would say
        return [f"source.table: {exc.detail}"]
    timestamp = monitor.source.timestamp
    if timestamp not in kinds:
        problems.append(f"source.timestamp: column {timestamp!r} not found in {where}")
    elif kinds[timestamp] != "datetime":
        problems.append(
            f"source.timestamp: column {timestamp!r} of {where} holds {kinds[timestamp]} values, not times "
            "(expected datetimes, ISO-8601 text or epoch seconds)"
        )
    problems.extend(_feature_problems(monitor, kinds, where))
    if monitor.segments is not None:
        problems.extend(_missing(monitor.segments.by, kinds, where, "segments.by"))
    target = monitor.target
    if target is not None and target.separate:
        key = str(target.join_on)
        problems.extend(_missing([key], kinds, where, "target.join_on"))
        try:
            with open_source(target_source_config(monitor)) as labels:
                label_kinds = labels.list_columns()
                problems.extend(_missing([key], label_kinds, labels.location, "target.join_on"))
                problems.extend(_missing([target.column], label_kinds, labels.location, "target.column"))
        except TableNotFoundError as exc:
            problems.append(f"target.table: {exc.detail}")
    elif target is not None:
        problems.extend(_missing([target.column], kinds, where, "target.column"))
    return problems


def _feature_problems(monitor: MonitorConfig, kinds: dict[str, ColumnKind], where: str) -> list[str]:
    problems: list[str] = []
    if monitor.features is not None:
        problems.extend(_missing(monitor.features.numerical, kinds, where, "features.numerical"))
        problems.extend(_missing(monitor.features.categorical, kinds, where, "features.categorical"))
        for name in monitor.features.numerical:
            if name in kinds and kinds[name] != "numerical":
                problems.append(f"features.numerical: column {name!r} of {where} holds {kinds[name]} values")
        for name in monitor.features.categorical:
            if name in kinds and kinds[name] not in ("categorical", "numerical"):
                problems.append(f"features.categorical: column {name!r} of {where} holds {kinds[name]} data")
    if monitor.prediction is not None:
        named_scores = [("score", monitor.prediction.score)]
        named_scores += [
            (f"scores.{label}", name) for label, name in (monitor.prediction.scores or {}).items()
        ]
        for key, named in (("column", monitor.prediction.column), *named_scores):
            if named is not None:
                problems.extend(_missing([named], kinds, where, f"prediction.{key}"))
        for key, score in named_scores:
            if score is not None and score in kinds and kinds[score] != "numerical":
                problems.append(f"prediction.{key}: column {score!r} of {where} holds {kinds[score]} values")
    return problems


def _missing(names: Sequence[str], kinds: dict[str, ColumnKind], where: str, key: str) -> list[str]:
    return [f"{key}: column {name!r} not found in {where}" for name in names if name not in kinds]
