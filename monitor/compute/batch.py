"""The drift statements of many columns asked for together, for engines where a statement is costly.

On Spark each statement is a job that costs seconds of scheduling whatever its size, so a
check of N columns asking its ~2N per-column statements (``monitor.compute.statements``)
one after the other spends its time waiting. When the engine's dialect says so
(``Dialect.batch_columns``), ``prefetch`` asks, before a monitor's drift is scored, every
per-column statement the drift will need: the CDF statements all at once (submitted
side by side from a few threads, each sorting its own column), and the counts (distinct
values, histograms, value counts) as one statement per kind over all columns, each
column's rows tagged with its position ``t`` and counted ``GROUP BY t``. Each column's
answer is kept under the per-column statement it stands for (``SqlEngine.prefetched``),
which then runs nothing: the answers are those statements' own, and a statement the batch
did not foresee simply runs alone (docs/reference.md, "Where the statistics are computed").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from monitor.compute import scores
from monitor.compute.base import PUSHED_DOWN
from monitor.compute.concurrent import gather
from monitor.compute.dialects import quote
from monitor.compute.statements import (
    Statement,
    WindowSpec,
    bin_ladder,
    cdf_gap,
    distinct_values,
    finite,
    histogram,
    number,
    statement_key,
    value_counts,
)
from monitor.drift_methods import canonical_name
from monitor.errors import ConfigError
from monitor.records.drift import Kind
from monitor.stats.binning import HISTOGRAM_MIN_DISTINCT
from monitor.stats.drift import check_method
from monitor.stats.methods import auto_method_by_size as auto_method

if TYPE_CHECKING:
    from monitor.compute.pushdown import Pushdown
    from monitor.compute.sql import SqlEngine

# columns per batched statement, so that a wide monitor's statements stay of a plannable size
BATCH_COLUMNS = 50
# value types a batch of categorical columns may share (the columns of one batch have one kind)
BATCHED_KINDS = ("string", "int", "bool", "float")
BINNED = ("psi", "jensenshannon", "kl_div")

Built = tuple[str, Statement]
Item = TypeVar("Item")


@dataclass(frozen=True)
class GapColumn:
    """A column whose CDF gap is asked for: its finite counts in both windows, and its form."""

    column: str
    n: int
    m: int
    grouped: bool


# -- the batched statements ----------------------------------------------------------------------

# above this many rows in both windows, per-row CDFs run one at a time (see _gaps)
SIDE_BY_SIDE_ROWS = 2_000_000


def _windows(statement: Statement, reference: WindowSpec, current: WindowSpec, columns: Sequence[str]) -> str:
    return f"{reference.cte(statement, 'r', columns)}, {current.cte(statement, 'c', columns)}"


def _counted_per_window(tag: int, expression: str, keep: str) -> list[str]:
    """One branch per window (``r``, ``c``): rows (t, side, value of ``expression``, count) over
    the rows ``keep`` admits."""
    return [
        f"SELECT {tag} AS t, {side} AS side, v, COUNT(*) AS n FROM (SELECT {expression} AS v FROM {name} "
        f"WHERE {keep}) AS k{tag}_{side} GROUP BY v"
        for side, name in ((0, "r"), (1, "c"))
    ]


def tagged_value_counts(
    reference: WindowSpec, current: WindowSpec, columns: Sequence[tuple[str, bool]]
) -> Built:
    """``statements.value_counts`` of every (column, numerical): rows (t, side, value, count).
    The columns' values must share one type (numerical ones are all doubles)."""
    statement = Statement()
    parts = []
    for tag, (column, numerical) in enumerate(columns):
        value = number(column) if numerical else quote(column)
        keep = finite(value) if numerical else f"{value} IS NOT NULL"
        parts += _counted_per_window(tag, value, keep)
    ctes = _windows(statement, reference, current, [column for column, _ in columns])
    return f"WITH {ctes} {' UNION ALL '.join(parts)}", statement


def tagged_histograms(
    reference: WindowSpec, current: WindowSpec, columns: Sequence[tuple[str, Sequence[float]]]
) -> Built:
    """``statements.histogram`` of every (column, edges): rows (t, side, bin, count)."""
    statement = Statement()
    parts = []
    for tag, (column, edges) in enumerate(columns):
        value = number(column)
        ladder = bin_ladder(statement, value, edges)
        parts += _counted_per_window(tag, ladder, finite(value))
    ctes = _windows(statement, reference, current, [column for column, _ in columns])
    return f"WITH {ctes} {' UNION ALL '.join(parts)}", statement


def tagged_distinct_values(
    reference: WindowSpec, current: WindowSpec, columns: Sequence[tuple[str, bool]]
) -> Built:
    """``statements.distinct_values`` of every (column, both): over the reference, or over both
    windows when ``both``; rows (t, distinct finite values), none for a column without one."""
    statement = Statement()
    branches = []
    for tag, (column, both) in enumerate(columns):
        value = number(column)
        branches += [
            f"SELECT {tag} AS t, {value} AS x FROM {name} WHERE {finite(value)}"
            for name in (("r", "c") if both else ("r",))
        ]
    ctes = _windows(statement, reference, current, [column for column, _ in columns])
    return f"WITH {ctes} SELECT t, COUNT(*) FROM ({' UNION '.join(branches)}) AS d GROUP BY t", statement


# -- asking ahead --------------------------------------------------------------------------------


def _chunks(items: Sequence[Item]) -> list[Sequence[Item]]:
    return [items[start : start + BATCH_COLUMNS] for start in range(0, len(items), BATCH_COLUMNS)]


def _scored_columns(
    pushdown: Pushdown, numerical: Sequence[str], categorical: Sequence[str], prediction: Kind | None
) -> list[tuple[str, Kind, str]] | None:
    """(column, kind, method) of every column whose drift is scored; None when a method is
    not one pushdown computes (the check then fails on it, with its own message)."""
    monitor = pushdown.monitor
    columns: list[tuple[str, Kind]] = [(name, "numerical") for name in numerical]
    columns += [(name, "categorical") for name in categorical]
    if monitor.prediction is not None and prediction is not None:
        columns.append((monitor.prediction.drift_column, prediction))
    scored = []
    for name, kind in columns:
        method = monitor.drift.setting(name)[0]
        try:
            check_method(name, kind, method)
        except ConfigError:
            return None
        method = "auto" if method == "auto" else canonical_name(method)
        if method not in PUSHED_DOWN:
            return None
        scored.append((name, kind, method))
    return scored


def prefetch(
    pushdown: Pushdown, numerical: Sequence[str], categorical: Sequence[str], prediction: Kind | None
) -> None:
    """Answer ahead every per-column statement ``pushdown`` will ask to score the drift of its
    features and its prediction: the CDF gaps, then the distinct counts, then the histograms
    and value counts, each a few statements over all columns."""
    engine = pushdown.engine
    engine.prefetched = {}
    columns = _scored_columns(pushdown, numerical, categorical, prediction)
    if columns is None:
        return
    reference, current = pushdown.profiles["reference"], pushdown.profiles["current"]
    numeric = {name: method for name, kind, method in columns if kind == "numerical"}
    wanted = [
        GapColumn(name, reference.finite[name], current.finite[name], pushdown._repeats(name))
        for name, method in numeric.items()
        if method in ("auto", "ks", "wasserstein")
    ]
    gaps = _gaps(pushdown, wanted)
    methods = {}  # the method that scores each numerical column with values in both windows
    for name, method in numeric.items():
        n, m = reference.finite[name], current.finite[name]
        if n and m:
            methods[name] = auto_method(n, gaps[name].distinct, "numerical") if method == "auto" else method
    hellinger = [name for name, method in methods.items() if method == "hellinger"]
    by_bins = [name for name, method in methods.items() if method in BINNED]
    distinct = _distinct(pushdown, [(name, True) for name in hellinger] + [(n, False) for n in by_bins])
    binned: list[tuple[str, Sequence[float]]] = []
    counted = [(name, False) for name, kind, _ in columns if kind == "categorical"]
    for name, method in methods.items():
        low = min(float(reference.low[name] or 0.0), float(current.low[name] or 0.0))
        high = max(float(reference.high[name] or 0.0), float(current.high[name] or 0.0))
        if method == "hellinger":
            binned.append((name, scores.sturges_edges(distinct[name, True], low, high).tolist()))
        elif method in BINNED and distinct[name, False] > HISTOGRAM_MIN_DISTINCT:
            edges = scores.sturges_edges(reference.finite[name] + current.finite[name], low, high)
            binned.append((name, edges.tolist()))
        elif method not in ("ks", "wasserstein"):
            counted.append((name, True))
    _histograms(pushdown, binned)
    _value_counts(pushdown, list(dict.fromkeys(counted)))


def _gaps(pushdown: Pushdown, columns: Sequence[GapColumn]) -> dict[str, scores.CdfGap]:
    """The per-column CDF statements, submitted together (a sort per column is what they cost;
    one statement sorting all columns by (column, value) was slower on Spark)."""
    engine, reference, current = pushdown.engine, pushdown.reference, pushdown.current
    statements = [cdf_gap(reference, current, gap.column, gap.n, gap.m, gap.grouped) for gap in columns]
    # a CDF over the rows themselves sorts them in one Spark partition (a window without
    # PARTITION BY): side by side, large windows would hold several such sorts in the heap at once
    large = any(not gap.grouped and gap.n + gap.m > SIDE_BY_SIDE_ROWS for gap in columns)
    answers = gather(
        [partial(engine.run, built) for built in statements], 1 if large else engine.concurrent_statements
    )
    gaps = {}
    for gap, built, rows in zip(columns, statements, answers, strict=True):
        largest, area, distinct = rows[0]
        gaps[gap.column] = scores.CdfGap(int(largest or 0), float(area or 0.0), int(distinct or 0))
        _keep(engine, built, rows)
    return gaps


def _distinct(pushdown: Pushdown, columns: Sequence[tuple[str, bool]]) -> dict[tuple[str, bool], int]:
    engine, reference, current = pushdown.engine, pushdown.reference, pushdown.current
    found = {}
    for chunk in _chunks(columns):
        rows = engine.run(tagged_distinct_values(reference, current, chunk))
        answers = {int(t): int(count) for t, count in rows}
        for tag, (column, both) in enumerate(chunk):
            found[column, both] = answers.get(tag, 0)
            specs = [reference, current] if both else [reference]
            _keep(engine, distinct_values(specs, column), [(found[column, both],)])
    return found


def _histograms(pushdown: Pushdown, columns: Sequence[tuple[str, Sequence[float]]]) -> None:
    engine, reference, current = pushdown.engine, pushdown.reference, pushdown.current
    for chunk in _chunks(columns):
        rows = _by_tag(engine.run(tagged_histograms(reference, current, chunk)), len(chunk))
        for tag, (column, edges) in enumerate(chunk):
            _keep(engine, histogram(reference, current, column, edges), rows[tag])


def _value_counts(pushdown: Pushdown, columns: Sequence[tuple[str, bool]]) -> None:
    """Value counts, one batch per type the values share (numerical ones: doubles)."""
    engine, reference, current = pushdown.engine, pushdown.reference, pushdown.current
    types = engine.require_columns([column for column, numerical in columns if not numerical])
    batches: dict[str, list[tuple[str, bool]]] = {}
    for column, numerical in columns:
        kind = "double" if numerical else types.get(column, "other")
        if kind == "double" or kind in BATCHED_KINDS:  # other types run their own statement
            batches.setdefault(kind, []).append((column, numerical))
    for batch in batches.values():
        for chunk in _chunks(batch):
            rows = _by_tag(engine.run(tagged_value_counts(reference, current, chunk)), len(chunk))
            for tag, (column, numerical) in enumerate(chunk):
                _keep(engine, value_counts(reference, current, column, numerical), rows[tag])


def _by_tag(rows: Sequence[tuple[Any, ...]], size: int) -> list[list[tuple[Any, ...]]]:
    tagged: list[list[tuple[Any, ...]]] = [[] for _ in range(size)]
    for row in rows:
        tagged[int(row[0])].append(tuple(row[1:]))
    return tagged


def _keep(engine: SqlEngine, built: Built, rows: list[tuple[Any, ...]]) -> None:
    engine.prefetched[statement_key(built)] = rows
