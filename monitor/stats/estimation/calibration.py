"""Calibrating scores into probabilities before CBPE, exactly as NannyML 0.13 does.

NannyML fits an isotonic regression (scikit-learn's, ``out_of_bounds="clip"``) on the
reference scores and labels, but only when its test says calibration helps
(:func:`needs_calibration`): not when the reference holds one class, not when the scores
already separate the classes (AUROC > 0.999), and otherwise when the expected calibration
error (ECE, 10 equal-count bins) of ten stratified 10% hold-outs is lower after calibrating
than before. A fitted calibrator is kept as its breakpoints, applied with ``np.interp``
(what the isotonic regression's ``predict`` computes), so a cached one is plain arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from monitor.stats.performance import binary_roc_auc

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BIN_COUNT = 10
SPLIT_COUNT = 10
SPLIT_SEED = 42  # NannyML's StratifiedShuffleSplit random_state


@dataclass(frozen=True)
class Calibrator:
    """An isotonic calibration as its breakpoints: scores ``x`` map to probabilities ``y``."""

    x: FloatArray
    y: FloatArray

    def calibrate(self, scores: FloatArray) -> FloatArray:
        # np.interp holds the end values beyond the breakpoints: out_of_bounds="clip"
        calibrated: FloatArray = np.interp(scores, self.x, self.y)
        return calibrated


def fit_isotonic(scores: FloatArray, labels: IntArray) -> Calibrator:
    from sklearn.isotonic import IsotonicRegression

    regression = IsotonicRegression(out_of_bounds="clip", increasing=True).fit(scores, labels)
    return Calibrator(
        np.asarray(regression.X_thresholds_, dtype=np.float64),
        np.asarray(regression.y_thresholds_, dtype=np.float64),
    )


def calibration_for(scores: FloatArray, labels: IntArray) -> Calibrator | None:
    """The calibrator NannyML fits on these reference scores and 0/1 labels; None: none needed."""
    if not needs_calibration(scores, labels):
        return None
    return fit_isotonic(scores, labels)


def needs_calibration(scores: FloatArray, labels: IntArray) -> bool:
    """NannyML's ``calibration.needs_calibration`` with its defaults (10 bins, 10 splits)."""
    if np.unique(labels).size == 1:
        return False
    roc_auc = binary_roc_auc(labels, scores)
    if roc_auc is not None and roc_auc > 0.999:
        return False
    from sklearn.model_selection import StratifiedShuffleSplit

    splits = StratifiedShuffleSplit(n_splits=SPLIT_COUNT, test_size=0.1, random_state=SPLIT_SEED)
    held_labels, held_scores, held_calibrated = [], [], []
    for train, test in splits.split(scores, labels):
        calibrator = fit_isotonic(scores[train], labels[train])
        held_labels.append(labels[test])
        held_scores.append(scores[test])
        held_calibrated.append(calibrator.calibrate(scores[test]))
    truth = np.concatenate(held_labels)
    before, after = np.concatenate(held_scores), np.concatenate(held_calibrated)
    edges = _bin_index_edges(before.size, BIN_COUNT)
    return _expected_calibration_error(truth, before, edges) > _expected_calibration_error(
        truth, after, edges
    )


def _bin_index_edges(length: int, bin_count: int) -> list[tuple[int, int]]:
    if length <= 2 * bin_count:
        bin_count = max(length // 2, 1)
    width = length // bin_count
    edges = np.asarray(range(0, length + 1, width))
    edges[-1] = length
    return list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True))


def _expected_calibration_error(truth: IntArray, scores: FloatArray, edges: list[tuple[int, int]]) -> float:
    order = scores.argsort()  # NannyML's (unstable) sort: ties fall into bins as they do there
    scores, truth = scores[order], truth[order]
    terms = [
        (right - left) / scores.size * abs(np.mean(scores[left:right]) - np.mean(truth[left:right]))
        for left, right in edges
    ]
    return float(np.sum(terms))
