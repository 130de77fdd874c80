"""Drift scores against Evidently 0.7.23 itself: its registered stattests on the same cleaned
data for every method, and its public Report API for ``auto`` and the dataset drift share."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from monitor.config.models import DriftConfig
from monitor.stats import column_drift, dataset_drift, drift_methods

pytestmark = pytest.mark.evidently

SIZES = [(999, 700), (1000, 1300), (1001, 400), (5000, 2500)]
# Evidently's default choices and the other distances; tests/stats/test_stats_methods_evidently.py
# compares the rest of its stattests
CORE_METHODS = ("ks", "wasserstein", "psi", "jensenshannon", "chisquare", "z", "kl_div", "hellinger")


@pytest.fixture(scope="module")
def evidently() -> Any:
    os.environ.setdefault("EVIDENTLY_DISABLE_TELEMETRY", "1")
    evidently_stattests = pytest.importorskip("evidently.legacy.calculations.stattests")
    return evidently_stattests


def _with_gaps(values: pd.Series, rng: np.random.Generator, inf: bool) -> pd.Series:
    """Sprinkle NaN (and ±inf) over about 3% of the rows."""
    values = values.astype(object) if values.dtype == bool else values.copy()
    holes = rng.random(len(values)) < 0.03
    values[holes] = np.nan if values.dtype != object else None
    if inf:
        values.iloc[rng.integers(0, len(values), 3)] = np.inf
        values.iloc[rng.integers(0, len(values), 2)] = -np.inf
    return values


# name -> (kind, maker(rows, rng, shifted)); shifted makes the current window differ
COLUMNS: dict[str, tuple[str, Callable[[int, np.random.Generator, bool], pd.Series]]] = {
    "continuous": (
        "numerical",
        lambda n, rng, shifted: _with_gaps(
            pd.Series(rng.normal(0.15 if shifted else 0, 1, n)), rng, inf=True
        ),
    ),
    "lognormal": ("numerical", lambda n, rng, shifted: pd.Series(rng.lognormal(0.1 if shifted else 0, 1, n))),
    "fifteen_values": (
        "numerical",
        lambda n, rng, shifted: _with_gaps(
            pd.Series(rng.integers(0, 16 if shifted else 15, n).astype(float)), rng, False
        ),
    ),
    "four_values": ("numerical", lambda n, rng, shifted: pd.Series(rng.choice([1.0, 2.0, 3.5, 7.0], n))),
    "binary_number": (
        "numerical",
        lambda n, rng, shifted: pd.Series((rng.random(n) < (0.45 if shifted else 0.4)).astype(float)),
    ),
    "constant": ("numerical", lambda n, rng, shifted: pd.Series(np.full(n, 3.0))),
    "category": (
        "categorical",
        lambda n, rng, shifted: _with_gaps(
            pd.Series(rng.choice(["a", "b", "c", "d", "new"] if shifted else ["a", "b", "c", "d"], n)),
            rng,
            False,
        ),
    ),
    "flag": ("categorical", lambda n, rng, shifted: _with_gaps(pd.Series(rng.random(n) < 0.3), rng, False)),
    "small_int": ("categorical", lambda n, rng, shifted: pd.Series(rng.integers(0, 4 if shifted else 3, n))),
}


def _clean(values: pd.Series) -> pd.Series:
    """What Evidently's get_one_column_drift hands to a stattest."""
    return values.replace([-np.inf, np.inf], np.nan).dropna()


def _evidently_result(
    evidently: Any, method: str, kind: str, reference: pd.Series, current: pd.Series
) -> Any:
    from evidently.legacy.core import ColumnType

    column_type = ColumnType.Numerical if kind == "numerical" else ColumnType.Categorical
    reference, current = _clean(reference), _clean(current)
    stattest = evidently.get_stattest(reference, current, column_type, None if method == "auto" else method)
    return stattest, stattest(reference, current, column_type, None)


def _assert_close(ours: float | None, theirs: float) -> None:
    assert ours is not None
    assert math.isclose(ours, float(theirs), rel_tol=1e-9, abs_tol=1e-15), (ours, theirs)


@pytest.mark.parametrize(("reference_rows", "current_rows"), SIZES)
@pytest.mark.parametrize("column", list(COLUMNS))
def test_every_method_scores_like_evidently(
    evidently: Any, column: str, reference_rows: int, current_rows: int
) -> None:
    kind, make = COLUMNS[column]
    rng = np.random.default_rng(reference_rows)
    reference, current = make(reference_rows, rng, False), make(current_rows, rng, True)
    methods = drift_methods()
    for method in ["auto", *(name for name in CORE_METHODS if kind in methods[name].kinds)]:
        ours = column_drift(column, reference, current, kind, method)  # type: ignore[arg-type]
        stattest, theirs = _evidently_result(evidently, method, kind, reference, current)
        context = f"{column} {method} {reference_rows}/{current_rows}"
        assert ours.method == stattest.name, context
        assert ours.threshold == theirs.actual_threshold, context
        _assert_close(ours.score, theirs.drift_score)
        assert ours.drifted == bool(theirs.drifted), context


def _report_frame(rows: int, rng: np.random.Generator, shifted: bool) -> pd.DataFrame:
    amount = pd.Series(rng.gamma(2.0, 30.0 if shifted else 25.0, rows))
    amount[rng.random(rows) < 0.02] = np.nan
    amount.iloc[:2] = [np.inf, -np.inf]  # with NaN also present, both Evidently paths drop them
    return pd.DataFrame(
        {
            "amount": amount,
            "age_days": rng.integers(0, 900, rows).astype(float),
            "items": rng.choice([1.0, 2.0, 3.0], rows, p=[0.5, 0.3, 0.2] if shifted else [0.6, 0.3, 0.1]),
            "score_flag": (rng.random(rows) < 0.5).astype(float),
            "merchant": rng.choice(["food", "travel", "games", "fuel"], rows, p=[0.4, 0.3, 0.2, 0.1]),
            "country": pd.Series(rng.choice(["FR", "DE", "US"] + (["BR"] if shifted else []), rows)).where(
                rng.random(rows) > 0.05
            ),
            "is_new": rng.random(rows) < (0.5 if shifted else 0.2),
        }
    )


# the largest size scores its columns on several threads, on the linear paths of binning.py
@pytest.mark.parametrize(("reference_rows", "current_rows"), [(800, 600), (3000, 1500), (40_000, 25_000)])
def test_auto_scores_and_share_match_evidently_report(
    evidently: Any, reference_rows: int, current_rows: int
) -> None:
    from evidently import DataDefinition, Dataset, Report
    from evidently.legacy.calculations.stattests.registry import get_registered_stattest
    from evidently.legacy.core import ColumnType
    from evidently.presets import DataDriftPreset

    rng = np.random.default_rng(7)
    reference = _report_frame(reference_rows, rng, False)
    current = _report_frame(current_rows, rng, True)
    numerical, categorical = ["amount", "age_days", "items", "score_flag"], ["merchant", "country", "is_new"]
    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    snapshot = Report([DataDriftPreset(drift_share=0.5)]).run(
        current_data=Dataset.from_pandas(current, data_definition=definition),
        reference_data=Dataset.from_pandas(reference, data_definition=definition),
    )
    metrics = snapshot.dict()["metrics"]
    value_drift = {m["config"]["column"]: m for m in metrics if m["config"]["type"].endswith(":ValueDrift")}
    (count,) = [m["value"] for m in metrics if m["config"]["type"].endswith(":DriftedColumnsCount")]

    ours = dataset_drift(reference, current, numerical, categorical, DriftConfig())
    display_names = {
        name: get_registered_stattest(
            name, ColumnType.Numerical if kind == "numerical" else ColumnType.Categorical
        ).display_name
        for name in CORE_METHODS
        for kind in drift_methods()[name].kinds
    }
    assert [c.column for c in ours.columns] == numerical + categorical
    for column in ours.columns:
        theirs = value_drift[column.column]
        assert display_names[column.method] == theirs["config"]["method"], column
        assert column.threshold == theirs["config"]["threshold"], column
        _assert_close(column.score, theirs["value"])
    drifted = sum(c.drifted for c in ours.columns)
    assert drifted == count["count"]
    assert ours.share == pytest.approx(count["share"], rel=1e-12)
    assert ours.dataset_drift == (count["share"] >= 0.5)
    assert 0 < drifted < len(ours.columns)  # the data exercise both outcomes
