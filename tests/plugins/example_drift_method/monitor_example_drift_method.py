"""An example drift method: how far the current mean moved, in reference standard deviations."""

from __future__ import annotations

import numpy as np

from monitor.stats import DriftMethod


class MeanShift(DriftMethod):
    name = "mean_shift"
    kinds = ("numerical",)
    default_threshold = 0.5
    direction = "above"  # a distance: drift when the score exceeds the threshold

    def score(self, reference: np.ndarray, current: np.ndarray) -> float:
        spread = float(np.std(reference))
        if spread == 0:
            return float("nan")  # no score: reported as such, never as drift
        return abs(float(np.mean(current)) - float(np.mean(reference))) / spread
