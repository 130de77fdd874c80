"""The pushdown statements, in DuckDB's SQL with the placeholders of ``monitor.compute.dialects``.

Every statement reads the window(s) it needs from the source filtered on time (a CTE, a
subquery, or one scan for two disjoint windows), and returns a handful of numbers:
counts, extremes, sums, never rows. Column names are
quoted identifiers; window bounds, bin edges and labels are named bound parameters.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor.compute.dialects import COMPUTED_ONCE, SOURCE_TABLE, quote
from monitor.records.windows import Interval
from monitor.sources.timestamps import TimeStorage, bound_value, text_ranges

# A frame clause every tested dialect accepts over a double ORDER BY: all rows up to and
# including the current value's ties, so each row sees both CDFs at its value.
CUMULATIVE = "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
# the same over rows that hold distinct values (after a GROUP BY): no ties to look for
ROWS_TO_HERE = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"


@dataclass
class Statement:
    """SQL text being built and its bound parameters."""

    params: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"


def number(column: str) -> str:
    return f"CAST({quote(column)} AS DOUBLE)"


def finite(expression: str) -> str:
    return f"MONITOR_FINITE({expression})"


def missing(column: str, floating: bool) -> str:
    """Missing as pandas counts it: NULL, and NaN in floating columns."""
    if floating:
        return f"({quote(column)} IS NULL OR MONITOR_IS_NAN({number(column)}))"
    return f"{quote(column)} IS NULL"


def time_filter(statement: Statement, timestamp: str, storage: TimeStorage | None, window: Interval) -> str:
    """start <= timestamp < end in the form the time column is stored (``monitor.sources.timestamps``)."""
    column = quote(timestamp)
    if storage is None:  # no row has a time: nothing is in any window
        return "1 = 0"
    if storage.kind != "text":
        low = statement.bind(bound_value(window.start, storage))
        high = statement.bind(bound_value(window.end, storage))
        return f"({column} >= {low} AND {column} < {high})"
    text = f"MONITOR_TEXT_TIME({column})"
    ranges = []
    for text_range in text_ranges(window.start, window.end, storage):
        clause = f"{text} >= {statement.bind(text_range.low)} AND {text} < {statement.bind(text_range.high)}"
        if text_range.pattern is not None:
            clause += f" AND {column} LIKE {statement.bind(text_range.pattern)}"
        ranges.append(f"({clause})")
    return "(" + " OR ".join(ranges) + ")"


@dataclass(frozen=True)
class WindowSpec:
    """What a statement needs to read one window of the source."""

    timestamp: str
    storage: TimeStorage | None
    window: Interval
    # a segment's rows only (docs/reference.md, "Segments"): (column, value) pairs, None = NULL
    segment: tuple[tuple[str, Any], ...] = ()

    def cte(self, statement: Statement, name: str, columns: Sequence[str] = ()) -> str:
        """The window as a CTE of only ``columns`` (none: a constant), so an engine that
        materialises a CTE read twice keeps no column the statement does not use."""
        return f"{name} AS {self.subquery(statement, columns)}"

    def subquery(self, statement: Statement, columns: Sequence[str]) -> str:
        """The window's ``columns`` (of the segment's rows, with one) as a parenthesised subquery."""
        where = self.where(statement)
        selected = ", ".join(quote(column) for column in dict.fromkeys(columns)) or "1 AS one"
        return f"(SELECT {selected} FROM {SOURCE_TABLE} AS src WHERE {where})"

    def where(self, statement: Statement) -> str:
        """The condition a source row meets to be in the window (and in the segment, with one)."""
        return time_filter(statement, self.timestamp, self.storage, self.window) + self.in_segment(statement)

    def in_segment(self, statement: Statement) -> str:
        """`` AND ...`` keeping the segment's rows only; empty without a segment."""
        condition = ""
        for column, value in self.segment:
            named = f"src.{quote(column)}"
            condition += (
                f" AND {named} IS NULL" if value is None else f" AND {named} = {statement.bind(value)}"
            )
        return condition

    def disjoint(self, other: WindowSpec) -> bool:
        """No row can be in both windows (same time column, intervals that do not meet)."""
        return self.timestamp == other.timestamp and (
            self.window.end <= other.window.start or other.window.end <= self.window.start
        )


def segment_counts(spec: WindowSpec, by: Sequence[str]) -> tuple[str, Statement]:
    """Rows of the window per combination of ``by`` values (NULL a value of its own)."""
    statement = Statement()
    columns = ", ".join(quote(column) for column in by)
    sql = f"WITH {spec.cte(statement, 'w', by)} SELECT {columns}, COUNT(*) FROM w GROUP BY {columns}"
    return sql, statement


def row_count(spec: WindowSpec) -> tuple[str, Statement]:
    statement = Statement()
    return f"WITH {spec.cte(statement, 'w')} SELECT COUNT(*) FROM w", statement


def profile(
    spec: WindowSpec, numerical: Sequence[str], quality: Sequence[tuple[str, bool]]
) -> tuple[str, Statement]:
    """Rows; per numerical column its finite count, min and max; per quality column its missing count.

    Each column's finite value (NULL otherwise) and missing flag are computed once per row in a
    subquery the aggregates read (``COMPUTED_ONCE``: SQLite would otherwise substitute the
    expressions into each of the three aggregates)."""
    statement = Statement()
    computed, parts = [], ["COUNT(*)"]
    for index, column in enumerate(numerical):
        value = number(column)
        computed.append(f"CASE WHEN {finite(value)} THEN {value} END AS f{index}")
        parts += [f"COUNT(f{index})", f"MIN(f{index})", f"MAX(f{index})"]
    for index, (column, floating) in enumerate(quality):
        computed.append(f"CASE WHEN {missing(column, floating)} THEN 1 ELSE 0 END AS m{index}")
        parts.append(f"SUM(m{index})")
    rows = (
        f"SELECT {', '.join(computed) or '1 AS one'} FROM {SOURCE_TABLE} AS src WHERE {spec.where(statement)}"
    )
    return f"SELECT {', '.join(parts)} FROM ({rows}) AS {COMPUTED_ONCE}", statement


# rows of a window that ``repeats_sample`` looks at
REPEATS_SAMPLE_ROWS = 10_000


def repeats_sample(spec: WindowSpec, columns: Sequence[str]) -> tuple[str, Statement]:
    """Over the first rows the engine finds in the window (at most ``REPEATS_SAMPLE_ROWS``, in
    no particular order): per column its finite values and distinct finite values. It only
    chooses how a column's CDF is computed (``cdf_gap``'s ``grouped``), never a score."""
    statement = Statement()
    where = spec.where(statement)
    selected = ", ".join(quote(column) for column in dict.fromkeys(columns))
    parts = []
    for column in columns:
        value = number(column)
        kept = f"CASE WHEN {finite(value)} THEN {value} END"
        parts += [f"COUNT({kept})", f"COUNT(DISTINCT {kept})"]
    sql = (
        f"WITH s AS (SELECT {selected} FROM {SOURCE_TABLE} AS src WHERE {where} "
        f"LIMIT {REPEATS_SAMPLE_ROWS}) SELECT {', '.join(parts)} FROM s"
    )
    return sql, statement


def standard_deviations(spec: WindowSpec, lows: Sequence[tuple[str, float]]) -> tuple[str, Statement]:
    """Population std (ddof 0) of each column's finite values, two passes over values shifted
    by the column's minimum (so a large offset costs no precision)."""
    statement = Statement()
    means, deviations = [], []
    for index, (column, low) in enumerate(lows):
        value = number(column)
        shifted = f"({value} - {statement.bind(low)})"
        means.append(f"AVG(CASE WHEN {finite(value)} THEN {shifted} END) AS m{index}")
        deviation = f"({shifted} - mu.m{index})"
        deviations.append(f"SQRT(AVG(CASE WHEN {finite(value)} THEN {deviation} * {deviation} END))")
    columns = [column for column, _ in lows]
    # the window twice as subqueries, not one CTE read twice, which an engine may materialise
    sql = (
        f"WITH mu AS (SELECT {', '.join(means)} FROM {spec.subquery(statement, columns)} AS w) "
        f"SELECT {', '.join(deviations)} FROM {spec.subquery(statement, columns)} AS w CROSS JOIN mu"
    )
    return sql, statement


def cdf_gap(
    reference: WindowSpec, current: WindowSpec, column: str, n: int, m: int, grouped: bool
) -> tuple[str, Statement]:
    """Both empirical CDFs at every finite value of the union: their largest scaled gap
    |k*m - l*n|, the area between them (times n*m) and the union's distinct values.

    One running sum of a signed weight (m per reference value, -n per current value) is
    k*m - l*n at every value, so one window aggregate and one sort give both CDFs.
    ``grouped`` sums the weights per distinct value first (cheap when values repeat: the
    window then runs over the distinct values only); otherwise the window runs over the
    rows with a frame that takes in each value's ties.
    """
    statement = Statement()
    weights = signed_values(statement, reference, current, column, m, -n)
    if grouped:
        points = "g AS (SELECT x, SUM(w) AS w FROM u GROUP BY x), "
        frame, source, distinct = ROWS_TO_HERE, "g", "COUNT(*)"
    else:
        points = ""
        frame, source = CUMULATIVE, "u"
        distinct = "SUM(CASE WHEN next_x IS NULL OR next_x <> x THEN 1 ELSE 0 END)"
    sql = (
        f"WITH {weights}, {points}"
        f"cdf AS (SELECT x, SUM(w) OVER (ORDER BY x {frame}) AS gap, "
        f"LEAD(x) OVER (ORDER BY x {frame}) AS next_x FROM {source}) "
        f"SELECT MAX(ABS(gap)), SUM(ABS(gap) * (next_x - x)), {distinct} FROM cdf"
    )
    return sql, statement


def signed_values(
    statement: Statement,
    reference: WindowSpec,
    current: WindowSpec,
    column: str,
    reference_weight: int,
    current_weight: int,
) -> str:
    """A CTE ``u(x, w)`` of the finite values of both windows, each with its window's weight.

    Disjoint windows (the usual case) are read in one scan of the source, the weight
    chosen by the reference's time filter; overlapping ones as two scans, so a row in
    both windows counts in both.
    """
    value = number(column)
    ref_weight, cur_weight = statement.bind(reference_weight), statement.bind(current_weight)
    if reference.disjoint(current) and reference.segment == current.segment:
        in_reference = time_filter(statement, reference.timestamp, reference.storage, reference.window)
        in_current = time_filter(statement, current.timestamp, current.storage, current.window)
        return (
            f"u AS (SELECT {value} AS x, "
            f"CASE WHEN {in_reference} THEN {ref_weight} ELSE {cur_weight} END AS w "
            f"FROM {SOURCE_TABLE} AS src WHERE ({in_reference} OR {in_current}) AND {finite(value)}"
            f"{reference.in_segment(statement)})"
        )
    return (
        f"{reference.cte(statement, 'r', [column])}, {current.cte(statement, 'c', [column])}, "
        f"u AS (SELECT {value} AS x, {ref_weight} AS w FROM r WHERE {finite(value)} "
        f"UNION ALL SELECT {value} AS x, {cur_weight} AS w FROM c WHERE {finite(value)})"
    )


def value_counts(
    reference: WindowSpec, current: WindowSpec, column: str, numerical: bool
) -> tuple[str, Statement]:
    """Each present value and its count per window (0: reference, 1: current); numerical
    columns count their finite values as doubles."""
    statement = Statement()
    value = number(column) if numerical else quote(column)
    keep = finite(value) if numerical else f"{value} IS NOT NULL"
    sides = [
        f"SELECT {side} AS side, v, COUNT(*) AS n FROM (SELECT {value} AS v FROM {name} WHERE {keep}) AS "
        f"kept{side} GROUP BY v"
        for side, name in ((0, "r"), (1, "c"))
    ]
    ctes = f"{reference.cte(statement, 'r', [column])}, {current.cte(statement, 'c', [column])}"
    sql = f"WITH {ctes} {' UNION ALL '.join(sides)}"
    return sql, statement


def distinct_values(specs: Sequence[WindowSpec], column: str) -> tuple[str, Statement]:
    """How many distinct finite values ``column`` takes over the given windows together."""
    statement = Statement()
    value = number(column)
    names = [f"w{index}" for index in range(len(specs))]
    ctes = ", ".join(spec.cte(statement, name, [column]) for spec, name in zip(specs, names, strict=True))
    union = " UNION ".join(
        f"SELECT DISTINCT {value} AS x FROM {name} WHERE {finite(value)}" for name in names
    )
    return f"WITH {ctes} SELECT COUNT(*) FROM ({union}) AS d", statement


def histogram(
    reference: WindowSpec, current: WindowSpec, column: str, edges: Sequence[float]
) -> tuple[str, Statement]:
    """Counts per window (0: reference, 1: current) and bin of ``edges`` (edges[i] <= x <
    edges[i+1], the last bin closed), by a CASE ladder over the edges as bound parameters:
    width_bucket's arithmetic can put a value at an edge one bin off."""
    statement = Statement()
    value = number(column)
    ladder = bin_ladder(statement, value, edges)
    sides = [
        f"SELECT {side} AS side, b, COUNT(*) AS n FROM (SELECT {ladder} AS b FROM {name} "
        f"WHERE {finite(value)}) AS binned{side} GROUP BY b"
        for side, name in ((0, "r"), (1, "c"))
    ]
    ctes = f"{reference.cte(statement, 'r', [column])}, {current.cte(statement, 'c', [column])}"
    sql = f"WITH {ctes} {' UNION ALL '.join(sides)}"
    return sql, statement


def bin_ladder(statement: Statement, value: str, edges: Sequence[float]) -> str:
    """The bin of ``value`` among ``edges`` (see ``histogram``), the edges bound as parameters."""
    inner = [float(edge) for edge in edges[1:-1]]
    steps = " ".join(
        f"WHEN {value} < {statement.bind(edge)} THEN {index}" for index, edge in enumerate(inner)
    )
    return f"CASE {steps} ELSE {len(edges) - 2} END" if inner else "0"


def distinct_profile(spec: WindowSpec, columns: Sequence[str]) -> tuple[str, Statement]:
    """Per column its non-null and distinct non-null counts (to infer column kinds)."""
    statement = Statement()
    parts = []
    for column in columns:
        parts += [f"COUNT({quote(column)})", f"COUNT(DISTINCT {quote(column)})"]
    return f"WITH {spec.cte(statement, 'w', columns)} SELECT COUNT(*), {', '.join(parts)} FROM w", statement


def label_pairs(
    spec: WindowSpec, target: str, predicted: str | None, score: str | None
) -> tuple[str, Statement]:
    """Rows per (target, predicted label) over the rows with a target; the predicted label is
    the prediction column, else ``score >= 0.5``; NULL where there is none."""
    statement = Statement()
    if predicted is not None:
        label = quote(predicted)
    else:
        assert score is not None
        value = number(score)
        label = (
            f"CASE WHEN {value} IS NULL OR MONITOR_IS_NAN({value}) THEN NULL "
            f"WHEN {value} >= {statement.bind(0.5)} THEN 1 ELSE 0 END"
        )
    sql = (
        f"WITH {spec.cte(statement, 'w', [target, *(c for c in (predicted, score) if c is not None)])} "
        "SELECT t, l, COUNT(*) FROM "
        f"(SELECT {quote(target)} AS t, {label} AS l FROM w WHERE {quote(target)} IS NOT NULL) AS pairs "
        "GROUP BY t, l"
    )
    return sql, statement


def score_ranks(spec: WindowSpec, target: str, score: str, positives: Sequence[Any]) -> tuple[str, Statement]:
    """Over rows with a target and a non-NaN score: positives, negatives, twice the Mann-Whitney
    U (ties count one half), min and max score, and the summed log loss."""
    statement = Statement()
    value = number(score)
    labels = ", ".join(statement.bind(label) for label in positives) or "NULL"
    eps = statement.bind(2.220446049250313e-16)
    upper = statement.bind(1 - 2.220446049250313e-16)
    clipped = f"LEAST(GREATEST(s, {eps}), {upper})"
    sql = (
        f"WITH {spec.cte(statement, 'w', [target, score])}, "
        f"scored AS (SELECT {value} AS s, CASE WHEN {quote(target)} IN ({labels}) THEN 1 ELSE 0 END AS y "
        f"FROM w WHERE {quote(target)} IS NOT NULL AND {value} IS NOT NULL AND NOT MONITOR_IS_NAN({value})), "
        "grouped AS (SELECT s, SUM(y) AS pos, COUNT(*) - SUM(y) AS neg, "
        f"SUM(CASE WHEN y = 1 THEN -LN({clipped}) ELSE -LN(1 - {clipped}) END) AS loss "
        "FROM scored GROUP BY s), "
        "ranked AS (SELECT s, pos, neg, loss, SUM(neg) OVER (ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING "
        "AND CURRENT ROW) - neg AS below FROM grouped) "
        "SELECT SUM(pos), SUM(neg), SUM(pos * (2 * below + neg)), MIN(s), MAX(s), SUM(loss) FROM ranked"
    )
    return sql, statement


def regression_sums(spec: WindowSpec, target: str, estimate: str) -> tuple[str, Statement]:
    """Over rows where target and estimate are present: n, sum |e|, sum e^2, sum |e|/max(|t|, eps)
    and the target's sum of squared deviations (two passes)."""
    statement = Statement()
    t, e = number(target), number(estimate)
    eps = statement.bind(2.220446049250313e-16)
    sql = (
        f"WITH {spec.cte(statement, 'w', [target, estimate])}, "
        f"p AS (SELECT {t} AS t, {t} - {e} AS err FROM w WHERE {t} IS NOT NULL AND {e} IS NOT NULL "
        f"AND NOT MONITOR_IS_NAN({t}) AND NOT MONITOR_IS_NAN({e})), "
        "mu AS (SELECT AVG(t) AS mean_t FROM p) "
        "SELECT COUNT(*), SUM(ABS(err)), SUM(err * err), "
        f"SUM(ABS(err) / GREATEST(ABS(t), {eps})), SUM((t - mean_t) * (t - mean_t)) FROM p CROSS JOIN mu"
    )
    return sql, statement


def statement_key(built: tuple[str, Statement]) -> Hashable:
    """What names a statement's answer: its text and its bound values."""
    sql, statement = built
    return sql, tuple(statement.params.items())
