"""Performance metrics and missing shares against scikit-learn and hand computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from monitor.stats import missing_shares, performance_metrics

sklearn_metrics = pytest.importorskip("sklearn.metrics")


def _classification(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.random(rows) < 0.3
    score = np.clip(0.3 * truth + rng.random(rows) * 0.7, 0, 1).round(3)  # ties on purpose
    frame = pd.DataFrame(
        {"target": truth.astype(float), "score": score, "prediction": (score >= 0.4).astype(int)}
    )
    frame.loc[rng.random(rows) < 0.1, "target"] = np.nan  # labels not arrived yet
    return frame


@pytest.mark.parametrize(("rows", "seed"), [(50, 1), (1000, 2), (20000, 3)])
def test_binary_classification_matches_sklearn(rows: int, seed: int) -> None:
    frame = _classification(rows, seed)
    ours = performance_metrics("classification", frame["target"], frame["prediction"], frame["score"])
    labelled = frame[frame["target"].notna()]
    y, predicted, score = labelled["target"].astype(int), labelled["prediction"], labelled["score"]
    expected = {
        "accuracy": sklearn_metrics.accuracy_score(y, predicted),
        "precision": sklearn_metrics.precision_score(y, predicted),
        "recall": sklearn_metrics.recall_score(y, predicted),
        "f1": sklearn_metrics.f1_score(y, predicted),
        "roc_auc": sklearn_metrics.roc_auc_score(y, score),
        "log_loss": sklearn_metrics.log_loss(y, score),
    }
    assert set(ours) == set(expected)
    for name, value in expected.items():
        assert math.isclose(ours[name], value, rel_tol=1e-9), (name, ours[name], value)


def test_accuracy_by_hand_and_score_only() -> None:
    target = pd.Series([1, 0, 1, 1, 0, None, 0])
    score = pd.Series([0.9, 0.6, 0.2, 0.7, 0.1, 0.99, 0.5])
    ours = performance_metrics("classification", target, None, score)
    # predicted = score >= 0.5 on the six labelled rows: 1 1 0 1 0 1 against 1 0 1 1 0 0
    assert ours["accuracy"] == pytest.approx(3 / 6)
    assert ours["precision"] == pytest.approx(2 / 4) and ours["recall"] == pytest.approx(2 / 3)
    # pairs (positive, negative) ranked right: 0.9 beats all 3, 0.7 beats 3, 0.2 beats 1 (0.1) -> 7 of 9
    assert ours["roc_auc"] == pytest.approx(7 / 9)


def test_multiclass_labels_macro_average() -> None:
    rng = np.random.default_rng(4)
    target = pd.Series(rng.choice(["low", "mid", "high"], 500))
    prediction = pd.Series(
        np.where(rng.random(500) < 0.7, target, rng.choice(["low", "mid", "high", "x"], 500))
    )
    ours = performance_metrics("classification", target, prediction, None)
    assert ours["accuracy"] == pytest.approx(sklearn_metrics.accuracy_score(target, prediction))
    for name in ("precision", "recall", "f1"):
        function = getattr(sklearn_metrics, f"{name}_score")
        expected = function(target, prediction, average="macro", zero_division=0)
        assert ours[name] == pytest.approx(expected, rel=1e-12), name
    assert "roc_auc" not in ours


def test_regression_matches_sklearn() -> None:
    rng = np.random.default_rng(5)
    target = pd.Series(rng.gamma(2.0, 50.0, 3000))
    prediction = target * rng.normal(1.0, 0.1, 3000) + rng.normal(0, 5, 3000)
    target[rng.random(3000) < 0.05] = np.nan
    ours = performance_metrics("regression", target, prediction, None)
    present = target.notna()
    y, estimate = target[present], prediction[present]
    expected = {
        "mae": sklearn_metrics.mean_absolute_error(y, estimate),
        "rmse": math.sqrt(sklearn_metrics.mean_squared_error(y, estimate)),
        "mape": sklearn_metrics.mean_absolute_percentage_error(y, estimate),
        "r2": sklearn_metrics.r2_score(y, estimate),
    }
    assert set(ours) == set(expected)
    for name, value in expected.items():
        assert math.isclose(ours[name], value, rel_tol=1e-9), name


def test_undefined_metrics_are_left_out() -> None:
    one_class = performance_metrics(
        "classification", pd.Series([1, 1, 1]), pd.Series([1, 0, 1]), pd.Series([0.9, 0.2, 0.8])
    )
    assert "roc_auc" not in one_class and one_class["accuracy"] == pytest.approx(2 / 3)
    assert performance_metrics("classification", pd.Series([None, None]), pd.Series([1, 0]), None) == {}
    constant = performance_metrics("regression", pd.Series([3.0, 3.0]), pd.Series([2.0, 4.0]), None)
    assert "r2" not in constant and constant["mae"] == 1.0


def test_missing_shares_count_none_nan_nat_not_inf() -> None:
    frame = pd.DataFrame(
        {
            "amount": [1.0, np.nan, np.inf, 4.0],
            "country": ["FR", None, "DE", np.nan],
            "seen": pd.to_datetime(["2026-01-01", None, "2026-01-02", "2026-01-03"]),
        }
    )
    assert missing_shares(frame, ["country", "amount", "seen"]) == {
        "country": 0.5,
        "amount": 0.25,
        "seen": 0.25,
    }
    assert missing_shares(frame.iloc[:0], ["amount"]) == {"amount": 0.0}
