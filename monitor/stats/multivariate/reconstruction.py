"""PCA reconstruction error, as NannyML 0.13's DataReconstructionDriftCalculator computes it.

Fitted once on the reference (docs/reference.md, "Multivariate drift"): the encoding
(imputation, category shares), scikit-learn's ``StandardScaler``, and ``PCA`` keeping
``n_components`` (0.65: the fewest components that explain more than 65% of the
variance; ``random_state=16`` as NannyML). A window's score is the mean, over its rows,
of the Euclidean distance between a scaled row and its reconstruction from the kept
components. The bounds come from the reference's own spread: it is cut into pieces of
the monitor's window length, each piece is scored, and the bounds are the pieces' mean
-/+ ``std_multiplier`` standard deviations (population standard deviation, NannyML's
``StandardDeviationThreshold``); a lower bound at or below 0 does not apply.

The fitted state is arrays and JSON values only: :func:`to_bytes` writes an ``.npz``
archive without pickled objects, :func:`from_bytes` reads it back, so the fit can be kept
in the store and reused while the reference does not change.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.config.models import MultivariateConfig
from monitor.errors import ConfigError
from monitor.stats.multivariate.encoding import Encoding, fit_encoding

FloatArray = npt.NDArray[np.float64]
FORMAT = 1  # the layout of to_bytes(); a cached fit of another layout is refitted


@dataclass(frozen=True, eq=False)
class Reconstruction:
    """A PCA fitted on the reference, and the bounds its reference pieces set."""

    encoding: Encoding
    scale_mean: FloatArray  # StandardScaler's mean_
    scale: FloatArray  # StandardScaler's scale_ (1 where a column is constant)
    pca_mean: FloatArray
    components: FloatArray  # kept components, one per row
    reference_scores: FloatArray  # the score of each reference piece
    lower: float | None
    upper: float | None

    def errors(self, frame: pd.DataFrame) -> FloatArray:
        """Each row's reconstruction error."""
        scaled = (self.encoding.matrix(frame) - self.scale_mean) / self.scale
        projected = (scaled - self.pca_mean) @ self.components.T
        rebuilt = projected @ self.components + self.pca_mean
        distances: FloatArray = np.linalg.norm(scaled - rebuilt, axis=1)
        return distances

    def score(self, frame: pd.DataFrame) -> float | None:
        """The window's mean reconstruction error; None for an empty window."""
        if len(frame) == 0:
            return None
        return float(np.mean(self.errors(frame)))

    def drifted(self, score: float) -> bool:
        lower = -math.inf if self.lower is None else self.lower
        upper = math.inf if self.upper is None else self.upper
        return not lower < score < upper


def fit_reconstruction(
    reference: pd.DataFrame,
    numerical: Sequence[str],
    categorical: Sequence[str],
    pieces: Sequence[pd.DataFrame],
    config: MultivariateConfig,
) -> Reconstruction:
    """Fit on the ``reference`` rows; ``pieces``: the reference cut by window length, for the bounds."""
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    encoding = fit_encoding(reference, numerical, categorical)
    matrix = encoding.matrix(reference)
    features = matrix.shape[1]
    if isinstance(config.n_components, int) and config.n_components > features:
        raise ConfigError(
            f"{config.n_components} components asked for, but the monitor has {features} feature(s)",
            key="drift.multivariate.n_components",
        )
    scaler = StandardScaler().fit(matrix)
    pca = PCA(n_components=config.n_components, random_state=16).fit(scaler.transform(matrix))
    fitted = Reconstruction(
        encoding,
        np.asarray(scaler.mean_, dtype=np.float64),
        np.asarray(scaler.scale_, dtype=np.float64),
        np.asarray(pca.mean_, dtype=np.float64),
        np.asarray(pca.components_, dtype=np.float64),
        np.empty(0),
        None,
        None,
    )
    scores = np.array([fitted.score(piece) for piece in pieces if len(piece)], dtype=np.float64)
    lower, upper = _bounds(scores, config)
    return Reconstruction(
        encoding,
        fitted.scale_mean,
        fitted.scale,
        fitted.pca_mean,
        fitted.components,
        scores,
        lower,
        upper,
    )


def _bounds(scores: FloatArray, config: MultivariateConfig) -> tuple[float | None, float | None]:
    """NannyML's StandardDeviationThreshold over the reference pieces' scores; a fixed
    ``threshold`` replaces the upper bound (and leaves no lower one)."""
    if config.threshold is not None:
        return None, float(config.threshold)
    if scores.size < 2:  # one piece has no spread to learn from
        return None, None
    centre, spread = float(np.nanmean(scores)), float(np.nanstd(scores))
    lower = centre - config.std_multiplier * spread
    upper = centre + config.std_multiplier * spread
    return (lower if lower > 0 else None), upper


def to_bytes(fitted: Reconstruction) -> bytes:
    """The fit as an ``.npz`` archive: arrays, and the encoding and bounds as JSON text."""
    meta = {
        "format": FORMAT,
        "encoding": fitted.encoding.to_json(),
        "lower": fitted.lower,
        "upper": fitted.upper,
    }
    buffer = io.BytesIO()
    np.savez(
        buffer,
        meta=np.array(json.dumps(meta)),
        scale_mean=fitted.scale_mean,
        scale=fitted.scale,
        pca_mean=fitted.pca_mean,
        components=fitted.components,
        reference_scores=fitted.reference_scores,
    )
    return buffer.getvalue()


def from_bytes(data: bytes) -> Reconstruction | None:
    """A fit written by :func:`to_bytes`; None when it is of another layout (refit it)."""
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        meta = json.loads(str(archive["meta"]))
        if meta.get("format") != FORMAT:
            return None
        return Reconstruction(
            Encoding.from_json(meta["encoding"]),
            archive["scale_mean"],
            archive["scale"],
            archive["pca_mean"],
            archive["components"],
            archive["reference_scores"],
            meta["lower"],
            meta["upper"],
        )
