"""Column and dataset drift between a reference and a current window.

Scores match Evidently 0.7's ``ValueDrift`` / ``DataDriftPreset`` (see
``monitor.stats.methods``). Where Evidently raises, this module returns a result:
a column with no value left in either window after dropping NaN/±inf gets score
``None``, is not drifted, and does not count in the dataset's drift share.

Columns are scored on a small thread pool: the work is sorting and whole-array numpy
passes, which run without the GIL, so two cores score about twice the columns. Each
column is computed alone, so the results are the same whatever the thread count.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.config.models import DriftConfig
from monitor.drift_methods import canonical_name, get_method, methods_for
from monitor.errors import ConfigError
from monitor.records.drift import ColumnDrift, DriftResult, Kind
from monitor.records.quality import Offending
from monitor.stats.incidents import new_category_share
from monitor.stats.methods import auto_method
from monitor.stats.prepare import prepare_column, ranked_codes

logger = logging.getLogger(__name__)

# below this many values (rows x columns, both windows) threads cost more than they save
PARALLEL_MIN_VALUES = 200_000
# numpy's sorts and passes are memory-bound: more threads than cores only add contention
MAX_THREADS = 8

ProgressCallback = Callable[[int, int], None]


def column_drift(
    column: str,
    reference: pd.Series,
    current: pd.Series,
    kind: Kind,
    method: str = "auto",
    threshold: float | None = None,
) -> ColumnDrift:
    """Drift of one column; ``method="auto"`` picks as Evidently does, ``threshold=None``
    takes the method's default."""
    return _column_drift(column, reference, current, kind, method, threshold, with_new=False)[0]


def _column_drift(
    column: str,
    reference: pd.Series,
    current: pd.Series,
    kind: Kind,
    method: str,
    threshold: float | None,
    *,
    with_new: bool,
) -> tuple[ColumnDrift, Offending | None]:
    """The column's drift and, with ``with_new`` on a categorical column, its new-category
    share from the same category codes (one hash pass for both)."""
    check_method(column, kind, method)
    new: Offending | None = None
    reference_values: npt.NDArray[np.generic]
    current_values: npt.NDArray[np.generic]
    if kind == "categorical" and with_new:
        reference_codes, current_codes, values = ranked_codes(reference, current)
        new = new_category_share(reference_codes, current_codes, values)
        reference_values = reference_codes[reference_codes >= 0]
        current_values = current_codes[current_codes >= 0]
    else:
        reference_values, current_values = prepare_column(column, reference, current, kind)
    return _scored(column, kind, method, threshold, reference_values, current_values), new


def _scored(
    column: str,
    kind: Kind,
    method: str,
    threshold: float | None,
    reference_values: npt.NDArray[np.generic],
    current_values: npt.NDArray[np.generic],
) -> ColumnDrift:
    name = auto_method(reference_values, current_values, kind) if method == "auto" else canonical_name(method)
    drift_method = get_method(name)
    actual_threshold = drift_method.default_threshold if threshold is None else float(threshold)
    if reference_values.size == 0 or current_values.size == 0:
        logger.debug(
            "column %s: no values left in the %s window",
            column,
            "reference" if not reference_values.size else "current",
        )
        return ColumnDrift(column, kind, name, None, actual_threshold, False)
    score, drifted = drift_method.evaluate(reference_values, current_values, actual_threshold)
    if math.isnan(score):
        # e.g. chi-square over a single category: Evidently reports NaN and "not drifted"
        return ColumnDrift(column, kind, name, None, actual_threshold, False)
    return ColumnDrift(column, kind, name, float(score), actual_threshold, bool(drifted))


def check_method(column: str, kind: Kind, method: str) -> None:
    """Raise ConfigError when ``method`` is unknown or not made for this kind of column."""
    if method == "auto":
        return
    try:
        drift_method = get_method(method)
    except ConfigError as exc:
        raise ConfigError(f"column {column!r}: {exc}") from None
    if kind not in drift_method.kinds:
        allowed = methods_for(kind)
        raise ConfigError(
            f"column {column!r}: drift method {method!r} does not apply to {kind} columns; "
            f"use auto or one of {', '.join(allowed)}"
        )


def dataset_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    numerical: Sequence[str],
    categorical: Sequence[str],
    config: DriftConfig,
    *,
    text: Sequence[str] = (),
    threads: int | None = None,
    progress: ProgressCallback | None = None,
    new_categories: bool = False,
) -> DriftResult:
    """Drift of every feature and the dataset verdict.

    A column's method and threshold are ``config.setting(name)`` (a ``threshold`` applies,
    as in Evidently, to whatever method ``auto`` picks; ``None`` is the method's default). The dataset
    drifts when at least ``config.share`` of the scored columns drift (Evidently: >=);
    with no scored column it does not drift.

    ``threads``: how many columns are scored at once (None: one per core, serial for
    small windows). ``progress(done, total)`` is called as columns finish; without it,
    a terminal progress bar is shown for wide tables (see ``column_progress``).
    ``new_categories``: also each categorical column's new-category share, from the
    codes its drift is scored on (``DriftResult.new_categories``).
    """
    columns: list[tuple[str, Kind]] = [(name, "numerical") for name in numerical]
    columns += [(name, "categorical") for name in categorical]
    columns += [(name, "text") for name in text]
    # every config problem is raised before any data is scored
    settings = {name: _column_settings(name, kind, config) for name, kind in columns}
    missing = [name for name, _ in columns if name not in reference.columns or name not in current.columns]
    if missing:
        raise ConfigError(f"drift column(s) {', '.join(missing)} not found in the data")
    # the Series are taken here, not in the workers: pandas' item cache is not thread-safe
    jobs = [(name, reference[name], current[name], kind, *settings[name]) for name, kind in columns]
    score = partial(_column_drift, with_new=new_categories)
    workers = _thread_count(threads, len(columns), (len(reference) + len(current)) * len(columns))
    with column_progress(len(jobs), progress) as advance:
        if workers == 1:
            results = []
            for job in jobs:
                results.append(score(*job))
                advance()
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="drift") as pool:
                # categorical columns first: factorizing Python strings holds the GIL, and it
                # overlaps best with the numerical columns' sorts, which release it
                order = sorted(range(len(jobs)), key=lambda index: jobs[index][3] != "categorical")
                submitted = {index: pool.submit(score, *jobs[index]) for index in order}
                futures = [submitted[index] for index in range(len(jobs))]
                for future in futures:
                    future.add_done_callback(lambda _: advance())
                # in column order: the first failing column raises, as in a serial run
                results = [future.result() for future in futures]
    drifts = [drift for drift, _ in results]
    scored = [drift for drift in drifts if drift.score is not None]
    share = sum(drift.drifted for drift in scored) / len(scored) if scored else 0.0
    new = {drift.column: offending for drift, offending in results if offending is not None}
    return DriftResult(drifts, share, bool(scored) and share >= config.share, new if new_categories else None)


def _thread_count(requested: int | None, columns: int, values: int) -> int:
    if requested is not None:
        return max(1, min(requested, columns))
    if values < PARALLEL_MIN_VALUES:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_THREADS, columns))


def _column_settings(name: str, kind: Kind, config: DriftConfig) -> tuple[str, float | None]:
    method, threshold = config.setting(name)
    check_method(name, kind, method)
    return method, threshold


# -- progress -------------------------------------------------------------------------------
# Scoring a 1,000-column table takes seconds; a person at a terminal should see it move. The
# bar goes to stderr (stdout may carry --json), only when stderr is a terminal and the table
# is wide, and disappears when done, so logs, pipes and the daemon never see it.

# narrower tables finish too fast for a bar to be worth drawing
PROGRESS_MIN_COLUMNS = 100


@contextmanager
def column_progress(
    total: int, callback: Callable[[int, int], None] | None = None
) -> Iterator[Callable[[], None]]:
    """Yield ``advance()``, to be called once per finished column, from any thread."""
    lock = threading.Lock()
    done = 0
    if callback is None and total >= PROGRESS_MIN_COLUMNS and sys.stderr.isatty():
        with _terminal_bar(total) as bar_advance:
            yield bar_advance
        return
    if callback is None:
        yield lambda: None
        return
    report = callback

    def advance() -> None:
        nonlocal done
        with lock:
            done += 1
            report(done, total)

    yield advance


@contextmanager
def _terminal_bar(total: int) -> Iterator[Callable[[], None]]:
    # rich is imported only when a bar is drawn: most runs never need it
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("drift"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("drift", total=total)
        # Progress.advance takes its own lock, so workers may call it directly
        yield lambda: progress.advance(task)
