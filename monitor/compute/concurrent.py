"""Independent pushdown statements run at once, on engines that gain from it.

PostgreSQL runs a window function on one core (no parallel plan sorts for it), and SQLite
runs each statement on one core inside this process (the ``sqlite3`` module releases the
GIL while a statement runs). So the statements of ``monitor.compute.pushdown`` that do not
depend on each other (both windows' profiles, the per-column CDFs, each column's counts)
finish sooner on several connections at once; each statement computes exactly what it
computes alone. An engine says how many statements it may run at once
(``SqlEngine.statements_at_once``; docs/reference.md, "Statements at once"): with one,
everything runs in the calling thread as before.

Results keep the order of the calls. When calls fail, the first failing one in that order
raises its own error (the same ``SourceError`` or ``ConfigError`` a one-at-a-time run
raises), once every started call has finished: no statement outlives the check, and
every connection is back in its pool.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from monitor.compute.pushdown import Pushdown
    from monitor.records.drift import ColumnDrift, Kind

T = TypeVar("T")

# independent statements an engine runs at once at most (docs/reference.md, "Statements at once")
STATEMENTS_AT_ONCE = 4

# the drift methods whose score comes from a column's CDF gap (``statements.cdf_gap``)
GAP_METHODS = ("ks", "wasserstein")


def available_cores() -> int:
    """The cores this process may run on (an engine computing in this process uses them)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def gather(calls: Sequence[Callable[[], T]], workers: int) -> list[T]:
    """Every call's result, in the calls' order, at most ``workers`` running at once."""
    if workers <= 1 or len(calls) <= 1:
        return [call() for call in calls]
    executor = ThreadPoolExecutor(max_workers=min(workers, len(calls)), thread_name_prefix="monitor-sql")
    try:
        futures: list[Future[T]] = [executor.submit(call) for call in calls]
        return [future.result() for future in futures]
    finally:
        # after an error, calls not yet started never start; running ones finish first
        executor.shutdown(wait=True, cancel_futures=True)


def profile_windows(
    pushdown: Pushdown, numerical: Sequence[str], quality: Sequence[tuple[str, bool]]
) -> None:
    """The reference's and the current window's profiles (``Pushdown.profiles``)."""
    specs = {"reference": pushdown.reference, "current": pushdown.current}
    calls = [partial(pushdown._profile, spec, numerical, quality) for spec in specs.values()]
    profiles = gather(calls, pushdown.engine.statements_at_once())
    pushdown.profiles.update(zip(specs, profiles, strict=True))


def prefetch_gaps(pushdown: Pushdown) -> None:
    """Compute at once the CDF gap of every numerical column whose method reads one.

    ``Pushdown`` asks for the same gaps one at a time (``_gap``, which keeps each); after
    this it finds them computed. No gap is computed that a one-at-a-time run would not.
    """
    workers = pushdown.engine.statements_at_once()
    config = pushdown.monitor.drift
    columns = [
        column
        for column in pushdown.numerical_columns
        if column not in pushdown.gaps and _reads_gap(config.setting(column)[0])
    ]
    if workers <= 1 or len(columns) <= 1:
        return
    for column in columns:
        pushdown._repeats(column)  # one sampling statement for every column, before the threads
    gather([partial(pushdown._gap, column) for column in columns], workers)


def drift_columns(
    pushdown: Pushdown,
    columns: Sequence[tuple[str, Kind]],
    settings: Mapping[str, tuple[str, float | None]],
) -> list[ColumnDrift]:
    """``Pushdown.column_drift`` of every column, in the columns' order."""
    calls = [partial(pushdown.column_drift, name, kind, *settings[name]) for name, kind in columns]
    return gather(calls, pushdown.engine.statements_at_once())


def _reads_gap(method: str) -> bool:
    from monitor.drift_methods import canonical_name

    return method == "auto" or canonical_name(method) in GAP_METHODS
