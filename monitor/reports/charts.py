"""The report's charts, computed with numpy on the (sampled) windows: distributions, confusion, ROC.

Charts are pictures of the data; the numbers the alerts judged come from the check itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.reports.widgets import CURRENT_COLOR, HALF, REFERENCE_COLOR, graph

BINS = 20
TOP_CATEGORIES = 20
ROC_POINTS = 200
MAX_CLASSES = 30  # a larger confusion matrix is unreadable
OTHER = "(other)"
MISSING = "(missing)"


def _finite(values: pd.Series) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    finite: np.ndarray = numbers[np.isfinite(numbers)]
    return finite


def numerical_distributions(
    reference: pd.Series, current: pd.Series
) -> tuple[list[str], list[float], list[float]]:
    """Bin labels and each window's share of rows per bin, on bins shared by both windows."""
    ref, cur = _finite(reference), _finite(current)
    both = np.concatenate([ref, cur])
    if both.size == 0:
        return [], [], []
    low, high = float(both.min()), float(both.max())
    edges = np.linspace(low, high, BINS + 1) if high > low else np.array([low - 0.5, high + 0.5])
    labels = [f"{edges[i]:.4g} to {edges[i + 1]:.4g}" for i in range(len(edges) - 1)]
    return labels, _shares(np.histogram(ref, edges)[0]), _shares(np.histogram(cur, edges)[0])


def categorical_distributions(
    reference: pd.Series, current: pd.Series
) -> tuple[list[str], list[float], list[float]]:
    """The most frequent categories of both windows (the rest as "(other)") and each window's shares."""
    ref = reference.astype(object).where(reference.notna(), MISSING).astype(str).value_counts()
    cur = current.astype(object).where(current.notna(), MISSING).astype(str).value_counts()
    total = ref.add(cur, fill_value=0).sort_values(ascending=False, kind="stable")
    top = list(total.index[:TOP_CATEGORIES])
    ref_counts = [float(ref.get(label, 0)) for label in top]
    cur_counts = [float(cur.get(label, 0)) for label in top]
    if len(total) > TOP_CATEGORIES:
        top.append(OTHER)
        ref_counts.append(float(ref.sum()) - sum(ref_counts))
        cur_counts.append(float(cur.sum()) - sum(cur_counts))
    return top, _shares(np.asarray(ref_counts)), _shares(np.asarray(cur_counts))


def _shares(counts: np.ndarray) -> list[float]:
    total = float(counts.sum())
    return [round(float(c) / total, 6) if total else 0.0 for c in counts]


def distribution_figure(
    column: str, labels: list[str], reference: list[float], current: list[float]
) -> dict[str, Any]:
    """Reference and current shares side by side, one bar pair per bin or category."""
    traces = [
        {
            "type": "bar",
            "name": "reference",
            "x": labels,
            "y": reference,
            "marker": {"color": REFERENCE_COLOR},
        },
        {"type": "bar", "name": "current", "x": labels, "y": current, "marker": {"color": CURRENT_COLOR}},
    ]
    layout = {
        "barmode": "group",
        "xaxis": {"title": {"text": column}, "type": "category"},
        "yaxis": {"title": {"text": "share of rows"}},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02},
    }
    return graph(traces, layout)


def _labels(values: pd.Series) -> pd.Series:
    """Labels comparable across columns: integral floats as ints (a target read as 1.0 is the label 1)."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.to_numpy(dtype=np.float64)
        if bool(np.all(numbers == np.round(numbers))):
            return pd.Series(numbers.astype(np.int64))
    return pd.Series(values.to_numpy(dtype=object))


def confusion_figure(title: str, target: pd.Series, labels: pd.Series) -> dict[str, Any] | None:
    """Counts of (actual, predicted) label pairs as a heatmap; None above ``MAX_CLASSES`` classes."""
    both = pd.concat([_labels(target), _labels(labels)], ignore_index=True)
    codes, uniques = pd.factorize(both, sort=True)  # hashing: linear in rows, unlike sorting text
    count = len(uniques)
    if count > MAX_CLASSES or count == 0:
        return None
    pairs = codes[: len(target)] * count + codes[len(target) :]
    matrix = np.bincount(pairs, minlength=count * count).reshape(count, count).tolist()
    classes = [str(value) for value in uniques]
    trace = {
        "type": "heatmap",
        "x": classes,
        "y": classes,
        "z": matrix,
        "text": [[str(v) for v in row] for row in matrix],
        "texttemplate": "%{text}",
        "colorscale": "Reds",
        "showscale": False,
    }
    layout = {
        "xaxis": {"title": {"text": "predicted"}, "type": "category"},
        "yaxis": {"title": {"text": "actual"}, "type": "category", "autorange": "reversed"},
    }
    return graph([trace], layout, title=title, size=HALF)


def roc_curve(target: np.ndarray, score: np.ndarray) -> tuple[list[float], list[float]] | None:
    """False and true positive rates at every distinct score (thinned to ``ROC_POINTS``), or None."""
    positives = int(target.sum())
    negatives = len(target) - positives
    if positives == 0 or negatives == 0:
        return None
    order = np.argsort(-score)  # ties are merged below: no need for a stable sort
    sorted_score, sorted_target = score[order], target[order]
    last_of_tie = np.r_[np.nonzero(np.diff(sorted_score))[0], len(sorted_score) - 1]
    tpr = np.r_[0.0, np.cumsum(sorted_target)[last_of_tie] / positives]
    fpr = np.r_[0.0, np.cumsum(1 - sorted_target)[last_of_tie] / negatives]
    keep = np.unique(np.linspace(0, len(tpr) - 1, min(len(tpr), ROC_POINTS)).round().astype(int))
    return [round(float(v), 5) for v in fpr[keep]], [round(float(v), 5) for v in tpr[keep]]


def roc_figure(curves: dict[str, tuple[list[float], list[float]]]) -> dict[str, Any]:
    colors = {"reference": REFERENCE_COLOR, "current": CURRENT_COLOR}
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": name,
            "x": fpr,
            "y": tpr,
            "line": {"color": colors[name]},
        }
        for name, (fpr, tpr) in curves.items()
    ]
    layout = {
        "xaxis": {"title": {"text": "false positive rate"}, "range": [0, 1]},
        "yaxis": {"title": {"text": "true positive rate"}, "range": [0, 1]},
    }
    return graph(traces, layout, title="ROC curve")


def error_figure(errors: dict[str, np.ndarray]) -> dict[str, Any]:
    """Regression: the distribution of prediction minus target in each window."""
    both = np.concatenate(list(errors.values()))
    edges = np.histogram_bin_edges(both[np.isfinite(both)], bins=BINS) if both.size else np.array([0.0, 1.0])
    centers = [round(float(v), 6) for v in (edges[:-1] + edges[1:]) / 2]
    colors = {"reference": REFERENCE_COLOR, "current": CURRENT_COLOR}
    traces = [
        {
            "type": "bar",
            "name": name,
            "x": centers,
            "y": _shares(np.histogram(values[np.isfinite(values)], edges)[0]),
            "marker": {"color": colors[name]},
        }
        for name, values in errors.items()
    ]
    layout = {
        "barmode": "group",
        "xaxis": {"title": {"text": "prediction - target"}},
        "yaxis": {"title": {"text": "share of rows"}},
    }
    return graph(traces, layout, title="Prediction error")
