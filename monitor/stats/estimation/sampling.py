"""NannyML 0.13's sampling-error components: fitted on the reference, scaled to a window's size.

Binary (``nannyml.sampling_error.binary_classification``): the standard deviation of an
observation-level form of the metric on the reference and the fraction of the rows it
concerns; a window of ``n`` rows has a sampling error of ``std / sqrt(n * fraction)``
(accuracy: ``std / sqrt(n)``). Multiclass (``...multiclass_classification``): per class the
variance and fraction of the one-vs-rest metric, combined as
``sqrt(sum(var_c / (n * fraction_c))) / classes`` (roc_auc: times 1.2, as NannyML).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Components = list[float]


def roc_auc_components(truth: IntArray, scores: FloatArray, *, variance: bool = False) -> Components:
    """Mann-Whitney form of the AUROC: the spread of the positives' rank shares."""
    if np.mean(truth) > 0.5:
        truth = np.abs(truth - 1)
        scores = 1 - scores
    order = np.argsort(scores)  # NannyML's (unstable) sort, for equal ranks among ties
    truth = truth[order]
    positive_ranks = truth * np.arange(truth.size)
    indexes = np.unique(positive_ranks)[1:]
    shares = indexes - np.arange(indexes.size)
    positives = float(np.sum(truth))
    negatives = truth.size - positives
    ser = np.true_divide(shares, negatives)
    spread = float(np.var(ser)) if variance else float(np.std(ser))
    return [spread, positives / truth.size]


def _observations(truth: IntArray, predicted: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    right = truth == predicted
    true_positive = np.ones(int(np.sum(right & (predicted == 1))))
    false_positive = np.zeros(int(np.sum(~right & (predicted == 1))))
    false_negative = np.zeros(int(np.sum(~right & (predicted == 0))))
    return true_positive, false_positive, false_negative


def label_components(
    metric: str, truth: IntArray, predicted: IntArray, *, variance: bool = False
) -> Components:
    """precision, recall, f1 (one class against the rest) or accuracy, from the reference's labels."""
    spread = np.var if variance else np.std
    if metric == "accuracy":
        return [float(np.std((truth == predicted).astype(np.int64)))]
    true_positive, false_positive, false_negative = _observations(truth, predicted)
    if metric == "precision":
        observed = np.concatenate([true_positive, false_positive])
        return [float(spread(observed)), float(np.sum(predicted)) / predicted.size]
    if metric == "recall":
        observed = np.concatenate([true_positive, false_negative])
        return [float(spread(observed)), float(np.sum(truth)) / predicted.size]
    # f1: true positives, false negatives and false positives, in NannyML's order
    observed = np.concatenate([true_positive, false_negative, false_positive])
    if observed.size == 0:
        return [float("nan"), 0.0]
    if not variance:  # the binary form rescales the observations to the F1 of the reference
        correcting = observed.size / ((false_negative.size + false_positive.size) * 0.5 + true_positive.size)
        observed = observed * correcting
    return [float(spread(observed)), observed.size / predicted.size]


def binary_error(metric: str, components: Components, rows: int) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "accuracy":
            return float(components[0] / np.sqrt(rows))
        spread, fraction = components
        return float(spread / np.sqrt(rows * fraction))


def multiclass_error(metric: str, components: list[Components], rows: int) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "accuracy":
            return float(components[0][0] / np.sqrt(rows))
        variances = [variance / (rows * fraction) for variance, fraction in components]
        error = float(np.sqrt(np.sum(variances)) / len(variances))
        return error * 1.2 if metric == "roc_auc" else error
