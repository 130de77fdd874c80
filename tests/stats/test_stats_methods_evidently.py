"""Evidently 0.7.23's other stattests (anderson ... empirical_mmd, text) against ours, by name,
on the same data: scores to 1e-9 relative, the same verdict, the same default threshold.

Where Evidently raises instead of scoring, ours gives no score; where Evidently only scores
windows of equal size (g_test, fisher_exact), other sizes are checked against scipy."""

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

NUMERICAL = ("anderson", "cramer_von_mises", "ed", "es", "mannw", "t_test", "empirical_mmd")
CATEGORICAL = ("g_test", "fisher_exact", "TVD")
# around Evidently's 1,000-row switch, tiny samples (exact paths of scipy), equal sizes
SIZES = [(999, 700), (1000, 1300), (1001, 400), (5000, 2500), (14, 11), (800, 800)]
# Evidently's permutation tests take seconds (TVD: 1,000 loops over Python lists;
# empirical_mmd: 200 copies of a (n+m)² matrix): compared on the smaller windows only
PERMUTATION_MAX_ROWS_HERE = 1600


@pytest.fixture(scope="module")
def evidently() -> Any:
    os.environ.setdefault("EVIDENTLY_DISABLE_TELEMETRY", "1")
    return pytest.importorskip("evidently.legacy.calculations.stattests")


def _gaps(values: pd.Series, rng: np.random.Generator, inf: bool = False) -> pd.Series:
    values = values.astype(object) if values.dtype == bool else values.copy()
    values[rng.random(len(values)) < 0.03] = None if values.dtype == object else np.nan
    if inf and len(values) > 10:
        values.iloc[rng.integers(0, len(values), 2)] = np.inf
        values.iloc[rng.integers(0, len(values), 2)] = -np.inf
    return values


Maker = Callable[[int, np.random.Generator, bool], pd.Series]
NUMERICAL_COLUMNS: dict[str, Maker] = {
    "continuous": lambda n, rng, shifted: _gaps(
        pd.Series(rng.normal(0.1 if shifted else 0, 1, n)), rng, True
    ),
    "ties": lambda n, rng, shifted: _gaps(
        pd.Series(np.round(rng.normal(0.2 if shifted else 0, 1, n), 1)), rng
    ),
    "fifteen_values": lambda n, rng, shifted: pd.Series(
        rng.integers(0, 16 if shifted else 15, n).astype(float)
    ),
    "lognormal": lambda n, rng, shifted: pd.Series(rng.lognormal(0.1 if shifted else 0, 1, n) * 1000),
    "binary_number": lambda n, rng, shifted: pd.Series(
        (rng.random(n) < (0.5 if shifted else 0.4)).astype(float)
    ),
    "constant": lambda n, rng, shifted: pd.Series(np.full(n, 3.0)),
}
CATEGORICAL_COLUMNS: dict[str, Maker] = {
    "category": lambda n, rng, shifted: _gaps(
        pd.Series(rng.choice(["a", "b", "c", "d", "new"] if shifted else ["a", "b", "c", "d"], n)), rng
    ),
    "flag": lambda n, rng, shifted: _gaps(pd.Series(rng.random(n) < (0.4 if shifted else 0.3)), rng),
    "small_int": lambda n, rng, shifted: pd.Series(rng.integers(0, 4 if shifted else 3, n)),
    "one_value": lambda n, rng, shifted: pd.Series(np.full(n, "x")),
}


def _clean(values: pd.Series) -> pd.Series:
    return values.replace([-np.inf, np.inf], np.nan).dropna()


def _evidently(evidently: Any, method: str, kind: str, reference: pd.Series, current: pd.Series) -> Any:
    from evidently.legacy.core import ColumnType

    column_type = {"numerical": ColumnType.Numerical, "categorical": ColumnType.Categorical}.get(
        kind, ColumnType.Text
    )
    reference, current = _clean(reference), _clean(current)
    stattest = evidently.get_stattest(reference, current, column_type, None if method == "auto" else method)
    np.random.seed(0)  # empirical_mmd draws from the global generator: ours is Evidently's after seed 0
    if method == "cramer_von_mises" and max(len(reference), len(current)) <= 20:
        # Evidently's exact path picks a uint32 table that numpy 2 refuses to add int64 to;
        # the same algorithm with 64-bit integers
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(np, "min_scalar_type", lambda _: np.dtype(np.int64))
            return stattest, stattest(reference, current, column_type, None)
    return stattest, stattest(reference, current, column_type, None)


def _compare(
    evidently: Any, column: str, kind: str, method: str, reference: pd.Series, current: pd.Series
) -> None:
    ours = column_drift(column, reference, current, kind, method)  # type: ignore[arg-type]
    context = f"{column} {method} {len(reference)}/{len(current)}: ours {ours}"
    try:
        stattest, theirs = _evidently(evidently, method, kind, reference, current)
    except (ValueError, ZeroDivisionError) as exc:  # Evidently refuses these samples: ours has no score
        assert ours.score is None and not ours.drifted, f"{context}; Evidently raised {exc!r}"
        return
    assert ours.method == stattest.name, context
    assert ours.threshold == theirs.actual_threshold, context
    if theirs.drift_score is None or math.isnan(theirs.drift_score):
        assert ours.score is None and not ours.drifted, context
        return
    assert ours.score is not None, context
    assert math.isclose(ours.score, float(theirs.drift_score), rel_tol=1e-9, abs_tol=1e-15), (
        context,
        theirs.drift_score,
    )
    assert ours.drifted == bool(theirs.drifted), context


def _windows(make: Maker, sizes: tuple[int, int]) -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(sizes[0] * 7 + sizes[1])
    return make(sizes[0], rng, False), make(sizes[1], rng, True)


@pytest.mark.parametrize("sizes", SIZES, ids=str)
@pytest.mark.parametrize("column", list(NUMERICAL_COLUMNS))
def test_numerical_methods_score_like_evidently(evidently: Any, column: str, sizes: tuple[int, int]) -> None:
    reference, current = _windows(NUMERICAL_COLUMNS[column], sizes)
    for method in NUMERICAL:
        if method == "empirical_mmd" and sum(sizes) > PERMUTATION_MAX_ROWS_HERE:
            continue
        _compare(evidently, column, "numerical", method, reference, current)


@pytest.mark.parametrize("sizes", SIZES, ids=str)
@pytest.mark.parametrize("column", list(CATEGORICAL_COLUMNS))
def test_categorical_methods_score_like_evidently(
    evidently: Any, column: str, sizes: tuple[int, int]
) -> None:
    reference, current = _windows(CATEGORICAL_COLUMNS[column], sizes)
    equal_sizes = len(_clean(reference)) == len(_clean(current))
    strings = pd.api.types.is_object_dtype(reference) or pd.api.types.is_string_dtype(reference)
    for method in CATEGORICAL:
        if method == "TVD" and sum(sizes) > PERMUTATION_MAX_ROWS_HERE:
            continue
        if method == "TVD" and strings:
            # Evidently permutes string categories in set order, which changes with the process's
            # hash seed, so its TVD on strings is no fixed oracle; numbers and booleans are
            continue
        if method in ("g_test", "fisher_exact") and not equal_sizes:
            _compare_with_scipy(column, method, reference, current)
        else:
            _compare(evidently, column, "categorical", method, reference, current)


def _compare_with_scipy(column: str, method: str, reference: pd.Series, current: pd.Series) -> None:
    """Evidently refuses windows of unequal size for these two; scipy on the counts is the oracle."""
    from scipy import stats

    counts = pd.DataFrame(
        {"reference": _clean(reference).value_counts(), "current": _clean(current).value_counts()}
    )
    counts = counts.fillna(0)
    ours = column_drift(column, reference, current, "categorical", method)
    if method == "g_test":
        expected = counts["reference"] * counts["current"].sum() / counts["reference"].sum()
        with np.errstate(divide="ignore"):
            theirs = stats.power_divergence(counts["current"], expected, lambda_="log-likelihood").pvalue
    elif len(counts) > 2:
        assert ours.score is None, ours  # a test for binary columns
        return
    else:
        table = np.vstack([counts.to_numpy(), np.zeros((2 - len(counts), 2))]).astype(np.int64)
        theirs = stats.fisher_exact(table).pvalue
    if math.isnan(theirs):  # a single value: no degree of freedom
        assert ours.score is None and not ours.drifted, ours
        return
    assert ours.score is not None and math.isclose(ours.score, theirs, rel_tol=1e-9, abs_tol=1e-15), (
        ours,
        theirs,
    )
    assert ours.drifted == (theirs < 0.1)


def _texts(n: int, rng: np.random.Generator, shifted: bool) -> pd.Series:
    words = ["price", "delivery", "refund", "broken", "great", "slow", "support", "quality", "late", "cheap"]
    extra = ["scam", "fraud", "chargeback"] if shifted else []
    vocabulary = np.array(words + extra)
    lengths = rng.integers(3, 12, n)
    texts = pd.Series([" ".join(rng.choice(vocabulary, size)) for size in lengths], dtype=object)
    texts[rng.random(n) < 0.02] = None
    return texts


@pytest.mark.parametrize("sizes", [(999, 700), (1001, 400), (300, 300)], ids=str)
@pytest.mark.parametrize("method", ["auto", "abs_text_content_drift", "perc_text_content_drift"])
def test_text_methods_score_like_evidently(evidently: Any, method: str, sizes: tuple[int, int]) -> None:
    reference, current = _windows(_texts, sizes)
    _compare(evidently, "review", "text", method, reference, current)
    # and between two windows of the same texts
    rng = np.random.default_rng(3)
    _compare(evidently, "review", "text", method, _texts(sizes[0], rng, False), _texts(sizes[1], rng, False))


def test_every_evidently_stattest_is_registered_with_its_threshold(evidently: Any) -> None:
    from evidently.legacy.calculations.stattests.registry import _registered_stat_tests

    ours = drift_methods()
    kinds = {"num": "numerical", "cat": "categorical", "text": "text"}
    for name, by_type in _registered_stat_tests.items():
        for stattest in by_type.values():
            assert name in ours, name
            assert ours[name].default_threshold == stattest.default_threshold, name
            assert set(ours[name].kinds) == {kinds[t.value] for t in stattest.allowed_feature_types}, name


@pytest.mark.parametrize("method", [*NUMERICAL, *CATEGORICAL, "auto"])
def test_an_empty_window_gives_no_score(method: str) -> None:
    reference = pd.DataFrame({"x": np.arange(50.0), "c": list("ab") * 25})
    current = pd.DataFrame({"x": [np.nan, np.inf, -np.inf], "c": [None, None, None]})
    kind_column = "x" if method in NUMERICAL else "c"
    numerical, categorical = (["x"], []) if kind_column == "x" else ([], ["c"])
    result = dataset_drift(reference, current, numerical, categorical, DriftConfig(method=method))
    assert result.columns[0].score is None and not result.columns[0].drifted
    assert result.share == 0.0 and not result.dataset_drift


def test_empirical_mmd_refuses_windows_too_large_for_it() -> None:
    from monitor.errors import ConfigError

    rng = np.random.default_rng(1)
    reference, current = pd.Series(rng.normal(size=6000)), pd.Series(rng.normal(size=6000))
    with pytest.raises(ConfigError, match="empirical_mmd .* 10000 rows .* 12000"):
        column_drift("amount", reference, current, "numerical", "empirical_mmd")
