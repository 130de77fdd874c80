"""The data-quality figures of a pushed-down run, computed by the engine that holds the data
and equal to ``monitor.incidents.data_quality`` (docs/reference.md, "Where the statistics are
computed"): volume from the row counts, new categories from the value counts categorical
drift already fetched, out-of-range shares and duplicate keys in one statement each over the
current window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from monitor.compute.dialects import quote
from monitor.compute.scores import ascending
from monitor.compute.statements import Statement, WindowSpec, number
from monitor.config.models import MonitorConfig
from monitor.errors import ConfigError
from monitor.records.quality import DataQuality, Duplicates, Offending
from monitor.records.windows import Windows
from monitor.sources.base import ColumnNotFoundError
from monitor.sources.window import column_key
from monitor.stats import incidents
from monitor.stats.incidents import EXAMPLES

if TYPE_CHECKING:
    from monitor.compute.base import WindowStatistics
    from monitor.compute.pushdown import Profile, Pushdown
    from monitor.compute.sql import SqlEngine

# (value, rows) per present category of one window, as the engine returned them
Counts = list[tuple[Any, int]]


def data_quality(pushdown: Pushdown, statistics: WindowStatistics) -> DataQuality:
    """Every figure the monitor's rules judge, as ``monitor.incidents.data_quality`` computes it
    from the rows; the schema's missing columns are added by the caller, as locally."""
    monitor = pushdown.monitor
    reference, current = pushdown.profiles["reference"], pushdown.profiles["current"]
    new_categories = None
    if monitor.rules_named("new_categories"):
        new_categories = {
            column: new_category_share(*pushdown.categories[column, False], reference.rows, current.rows)
            for column in statistics.categorical
        }
    out_of_range = None
    if monitor.rules_named("out_of_range"):
        out_of_range = _out_of_range(pushdown, statistics.numerical, reference, current)
    duplicates = None
    keyed = monitor.rules_named("duplicates")
    if keyed and keyed[0].key:  # one figure per run: the first duplicates rule's key
        duplicates = _duplicates(pushdown, list(keyed[0].key), current.rows)
    target = monitor.target
    windows = Windows(current=pushdown.current.window, reference=pushdown.reference.window)
    return DataQuality(
        present=(target.column,) if target is not None else (),  # required by the engine's columns
        volume=incidents.volume(current.rows, reference.rows, windows),
        duplicates=duplicates,
        new_categories=new_categories,
        out_of_range=out_of_range,
    )


# -- new categories ------------------------------------------------------------------------------


def new_category_share(reference: Counts, current: Counts, reference_rows: int, rows: int) -> Offending:
    """The share of the window's ``rows`` whose category has no reference row, and the most
    frequent of them (ties in ascending value order, as ``monitor.stats.incidents``). Missing
    values were dropped from the counts: they are never new; an empty reference (no row at all)
    knows no category, so nothing is judged new against it."""
    if rows == 0 or reference_rows == 0:
        return Offending(0.0)
    seen = {value for value, _ in reference}
    new: dict[Any, int] = {}
    for value, count in current:
        if value not in seen:
            new[value] = new.get(value, 0) + count
    if not new:
        return Offending(0.0)
    ordered = ascending(list(new))
    top = sorted(ordered, key=lambda value: -new[value])[:EXAMPLES]  # stable: ties stay ascending
    return Offending(sum(new.values()) / rows, tuple(_text(value) for value in top))


# -- out of range --------------------------------------------------------------------------------


def _out_of_range(
    pushdown: Pushdown, columns: Sequence[str], reference: Profile, current: Profile
) -> dict[str, Offending]:
    """Per numerical column the share of the window's rows outside the rule's ``bounds`` (else the
    reference's finite [min, max], from its profile): one statement for every column's count."""
    given: dict[str, tuple[float, float]] = {}
    for rule in pushdown.monitor.rules_named("out_of_range"):
        given.update(rule.bounds)
    limits: dict[str, tuple[float, float]] = {}
    for column in columns:
        low, high = reference.low.get(column), reference.high.get(column)
        if column in given:
            limits[column] = given[column]
        elif low is not None and high is not None:
            limits[column] = (low, high)
    shares = {column: Offending(0.0) for column in columns}
    if current.rows == 0 or not limits:
        return shares
    counted = list(limits)
    row = pushdown.engine.one(outside_counts(pushdown.current, limits))
    for column, count in zip(counted, row, strict=True):
        if count:
            examples = pushdown.engine.run(outside_values(pushdown.current, column, limits[column]))
            values = tuple(_text(float(value)) for value, _ in examples)
            shares[column] = Offending(int(count) / current.rows, values)
    return shares


def _outside(statement: Statement, column: str, limits: tuple[float, float]) -> str:
    """Out of range as ``monitor.stats.incidents`` judges it: NULL and NaN never (NaN sorts
    above every number in some engines), ±inf beyond the limits."""
    value = number(column)
    low, high = statement.bind(float(limits[0])), statement.bind(float(limits[1]))
    return f"({value} IS NOT NULL AND NOT MONITOR_IS_NAN({value}) AND ({value} < {low} OR {value} > {high}))"


def outside_counts(spec: WindowSpec, limits: Mapping[str, tuple[float, float]]) -> tuple[str, Statement]:
    """Per column its rows of the window outside its limits (bound parameters)."""
    statement = Statement()
    parts = [
        f"SUM(CASE WHEN {_outside(statement, c, bounds)} THEN 1 ELSE 0 END)" for c, bounds in limits.items()
    ]
    return f"WITH {spec.cte(statement, 'w', list(limits))} SELECT {', '.join(parts)} FROM w", statement


def outside_values(spec: WindowSpec, column: str, limits: tuple[float, float]) -> tuple[str, Statement]:
    """The most frequent values of ``column`` outside its limits, with their rows."""
    statement = Statement()
    value = number(column)
    sql = (
        f"WITH {spec.cte(statement, 'w', [column])} SELECT v, COUNT(*) AS n FROM "
        f"(SELECT {value} AS v FROM w WHERE {_outside(statement, column, limits)}) AS o "
        f"GROUP BY v ORDER BY n DESC, v LIMIT {EXAMPLES}"
    )
    return sql, statement


# -- duplicate keys ------------------------------------------------------------------------------


def _duplicates(pushdown: Pushdown, key: list[str], rows: int) -> Duplicates:
    """The share of the window's rows whose key already occurred earlier in it."""
    types = _key_types(pushdown.engine, pushdown.monitor, key)
    if rows == 0:
        return Duplicates(tuple(key), 0.0)
    floating = [types.get(column) == "float" for column in key]
    repeated = pushdown.engine.one(repeated_keys(pushdown.current, key, floating))[0]
    if not repeated:
        return Duplicates(tuple(key), 0.0)
    examples = pushdown.engine.run(most_repeated_keys(pushdown.current, key, floating))
    texts = tuple(
        "/".join(_key_text(value, is_float) for value, is_float in zip(values, floating, strict=True))
        for *values, _ in examples
    )
    return Duplicates(tuple(key), int(repeated) / rows, texts)


def _key_types(engine: SqlEngine, monitor: MonitorConfig, key: list[str]) -> dict[str, Any]:
    """The key columns' types; a key column the source lacks is the config error reading it locally gives."""
    try:
        return dict(engine.require_columns(key))
    except ColumnNotFoundError as exc:
        raise ConfigError(exc.detail, key=column_key(monitor, exc.column)) from exc


def _keys(key: Sequence[str], floating: Sequence[bool]) -> str:
    """The key columns with NaN as NULL: pandas takes both for one missing value, equal to itself
    (``duplicated``), as GROUP BY takes NULLs."""
    return ", ".join(
        f"CASE WHEN MONITOR_IS_NAN({number(c)}) THEN NULL ELSE {quote(c)} END AS k{i}"
        if is_float
        else f"{quote(c)} AS k{i}"
        for i, (c, is_float) in enumerate(zip(key, floating, strict=True))
    )


def repeated_keys(spec: WindowSpec, key: Sequence[str], floating: Sequence[bool]) -> tuple[str, Statement]:
    """Rows of the window minus its distinct keys: the rows that repeat an earlier row's key."""
    statement = Statement()
    names = ", ".join(f"k{i}" for i in range(len(key)))
    sql = (
        f"WITH {spec.cte(statement, 'w', key)}, "
        f"g AS (SELECT COUNT(*) AS n FROM (SELECT {_keys(key, floating)} FROM w) AS k GROUP BY {names}) "
        "SELECT SUM(n - 1) FROM g"
    )
    return sql, statement


def most_repeated_keys(
    spec: WindowSpec, key: Sequence[str], floating: Sequence[bool]
) -> tuple[str, Statement]:
    """The keys repeated most often, each with its repeats (rows beyond the first)."""
    statement = Statement()
    names = ", ".join(f"k{i}" for i in range(len(key)))
    sql = (
        f"WITH {spec.cte(statement, 'w', key)} SELECT {names}, COUNT(*) - 1 AS n FROM "
        f"(SELECT {_keys(key, floating)} FROM w) AS k GROUP BY {names} HAVING COUNT(*) > 1 "
        f"ORDER BY n DESC, {names} LIMIT {EXAMPLES}"
    )
    return sql, statement


def _key_text(value: Any, floating: bool) -> str:
    """A key value as pandas writes it (``astype(str)``): a float column's missing one as nan."""
    if value is None:
        return "nan" if floating else "None"
    return str(float(value)) if floating else str(value)


def _text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
