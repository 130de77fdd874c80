"""Quality of a multiclass model that gives one probability column per class (``prediction.scores``).

Values agree with ``sklearn.metrics`` (the tests use it as the oracle):

- roc_auc: one-vs-rest, macro-averaged over the configured classes, as
  ``roc_auc_score(y, P, multi_class="ovr", average="macro", labels=classes)``; left out when a
  class has no row in the target or every row is of it (sklearn raises there);
- log_loss: ``log_loss(y, P, labels=classes)``: the mean of -log(probability of the true class),
  clipped to [eps, 1 - eps] and not rescaled to sum to 1 (as scikit-learn 1.7+); left out when
  a target is not among the classes or a score lies outside [0, 1];
- accuracy and macro precision, recall and f1 from the prediction column, or (without one)
  from the class of the highest score, as ``performance.confusion_metrics`` does.

Class labels are matched as text: a target holding 1 (or 1.0) is class ``"1"``
(docs/reference.md, "Multiclass models").
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from monitor.errors import ConfigError
from monitor.stats.performance import binary_roc_auc, confusion_metrics

FloatArray = npt.NDArray[np.float64]


def class_labels(values: pd.Series) -> npt.NDArray[np.object_]:
    """Labels as the text the config keys them by: 1.0 -> "1", True -> "True"; missing stays None."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = np.array([label_text(value) for value in uniques.tolist()] + [None], dtype=object)
    labelled: npt.NDArray[np.object_] = texts[codes]  # code -1 (missing) takes the trailing None
    return labelled


def label_text(value: object) -> str:
    """A class label as the text the config keys it by: 1.0 -> "1", True -> "True"."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def score_matrix(frame: pd.DataFrame, scores: Mapping[str, str]) -> tuple[list[str], FloatArray]:
    """The classes in sorted order (as NannyML and sklearn order them) and their scores, one column each."""
    classes = sorted(scores)
    try:
        matrix = np.column_stack(
            [frame[scores[label]].to_numpy(dtype=np.float64, na_value=np.nan) for label in classes]
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError("prediction.scores: every score column must hold numbers") from exc
    return classes, matrix


def multiclass_metrics(
    target: pd.Series, prediction: pd.Series | None, frame: pd.DataFrame, scores: Mapping[str, str]
) -> dict[str, float]:
    """Metrics of the rows of ``frame`` whose target is present (``target`` aligned with ``frame``)."""
    labelled = target.notna().to_numpy()
    truth = class_labels(target[labelled])
    classes, matrix = score_matrix(frame[labelled], scores)
    metrics: dict[str, float] = {}
    if prediction is not None:
        predicted = class_labels(prediction[labelled])
        present = np.array([label is not None for label in predicted], dtype=bool)
        metrics.update(_label_metrics(truth[present], predicted[present]))
    else:
        scored = ~np.isnan(matrix).any(axis=1)
        chosen = np.array(classes, dtype=object)[np.argmax(matrix[scored], axis=1)]
        metrics.update(_label_metrics(truth[scored], chosen))
    scored = ~np.isnan(matrix).any(axis=1)
    metrics.update(_score_metrics(truth[scored], matrix[scored], classes))
    return metrics


def _label_metrics(truth: npt.NDArray[np.object_], predicted: npt.NDArray[np.object_]) -> dict[str, float]:
    if truth.size == 0:
        return {}
    codes, labels = pd.factorize(np.concatenate([truth, predicted]))
    count = len(labels)
    confusion = np.bincount(codes[: truth.size] * count + codes[truth.size :], minlength=count * count)
    return confusion_metrics(confusion.reshape(count, count))


def _score_metrics(
    truth: npt.NDArray[np.object_], matrix: FloatArray, classes: list[str]
) -> dict[str, float]:
    if truth.size == 0:
        return {}
    metrics: dict[str, float] = {}
    onehot = np.column_stack([truth == label for label in classes]).astype(np.int64)
    known = onehot.sum(axis=1) == 1
    if not known.all():  # a target outside the configured classes: sklearn refuses both metrics
        return metrics
    per_class = [binary_roc_auc(onehot[:, index], matrix[:, index]) for index in range(len(classes))]
    if all(value is not None for value in per_class):
        metrics["roc_auc"] = float(np.mean([value for value in per_class if value is not None]))
    if bool(np.all((matrix >= 0) & (matrix <= 1))):
        eps = np.finfo(np.float64).eps
        probabilities = np.clip(matrix[onehot == 1], eps, 1 - eps)  # row by row: the true class's
        metrics["log_loss"] = float(-np.mean(np.log(probabilities)))
    return metrics
