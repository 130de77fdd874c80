"""Multiclass metrics from one probability column per class equal scikit-learn's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score, log_loss, precision_score, recall_score, roc_auc_score

from monitor.stats.multiclass import class_labels, multiclass_metrics

CLASSES = ["a", "b", "c"]
SCORES = {label: f"p_{label}" for label in CLASSES}


def _frame(rows: int, seed: int, labels: list[object] | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    raw = rng.gamma(1.0, size=(rows, 3))
    probabilities = raw / raw.sum(axis=1, keepdims=True)
    truth = np.array([rng.choice(3, p=row) for row in probabilities])
    names = labels or CLASSES
    frame = pd.DataFrame({f"p_{label}": probabilities[:, i] for i, label in enumerate(CLASSES)})
    frame["target"] = [names[i] for i in truth]
    frame["predicted"] = [names[i] for i in probabilities.argmax(axis=1)]
    return frame


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_metric_equals_sklearn(seed: int) -> None:
    frame = _frame(2000, seed)
    ours = multiclass_metrics(frame["target"], frame["predicted"], frame, SCORES)
    probabilities = frame[[f"p_{c}" for c in CLASSES]].to_numpy()
    truth, predicted = frame["target"], frame["predicted"]
    assert ours["roc_auc"] == pytest.approx(
        roc_auc_score(truth, probabilities, multi_class="ovr", average="macro", labels=CLASSES), rel=1e-12
    )
    assert ours["log_loss"] == pytest.approx(log_loss(truth, probabilities, labels=CLASSES), rel=1e-12)
    assert ours["accuracy"] == pytest.approx(accuracy_score(truth, predicted), rel=1e-12)
    for name, function in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score)):
        assert ours[name] == pytest.approx(
            function(truth, predicted, average="macro", zero_division=0), rel=1e-12
        )


def test_missing_targets_are_left_out_and_the_argmax_serves_without_a_prediction_column() -> None:
    frame = _frame(600, 4)
    frame.loc[::7, "target"] = None
    labelled = frame[frame["target"].notna()]
    ours = multiclass_metrics(frame["target"], None, frame, SCORES)
    probabilities = labelled[[f"p_{c}" for c in CLASSES]].to_numpy()
    argmax = np.array(CLASSES)[probabilities.argmax(axis=1)]
    assert ours["accuracy"] == pytest.approx(accuracy_score(labelled["target"], argmax), rel=1e-12)
    assert ours["roc_auc"] == pytest.approx(
        roc_auc_score(labelled["target"], probabilities, multi_class="ovr", labels=CLASSES), rel=1e-12
    )


def test_a_class_absent_from_the_targets_leaves_roc_auc_out_as_sklearn_cannot_compute_it() -> None:
    frame = _frame(300, 5)
    frame = frame[frame["target"] != "c"].reset_index(drop=True)
    ours = multiclass_metrics(frame["target"], frame["predicted"], frame, SCORES)
    assert "roc_auc" not in ours
    assert "accuracy" in ours


def test_numeric_labels_match_the_text_keys_of_the_config() -> None:
    frame = _frame(500, 6, labels=[0, 1, 2])
    frame["target"] = frame["target"].astype(float)  # a SQL column of 0.0, 1.0, 2.0
    scores = {"0": "p_a", "1": "p_b", "2": "p_c"}
    ours = multiclass_metrics(frame["target"], frame["predicted"], frame, scores)
    probabilities = frame[["p_a", "p_b", "p_c"]].to_numpy()
    assert ours["roc_auc"] == pytest.approx(
        roc_auc_score(frame["target"].astype(int), probabilities, multi_class="ovr"), rel=1e-12
    )
    assert list(class_labels(pd.Series([1.0, None, 2]))) == ["1", None, "2"]
