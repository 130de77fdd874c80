"""Multivariate drift: all features of a window against the reference at once (docs/reference.md,
"Multivariate drift"). Two methods, each a :class:`MultivariateMethod` in ``METHODS`` keyed by
``drift.multivariate.method``, as NannyML 0.13 computes them:

- ``pca_reconstruction``: the mean PCA reconstruction error of the window's rows;
- ``domain_classifier``: the cross-validated AUROC of a classifier telling the windows apart.

A fitted PCA is plain arrays (``to_bytes``/``from_bytes``); a :class:`FitCache` given to
:func:`multivariate_drift` keeps it between runs, keyed by :func:`fit_key` (the reference
window, the settings, and a fingerprint of the reference's data).
"""

from __future__ import annotations

import hashlib
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.config.models import MultivariateConfig
from monitor.records.cache import MonitorCache
from monitor.records.drift import MultivariateDrift
from monitor.stats.multivariate.classifier import bounds, domain_auroc
from monitor.stats.multivariate.reconstruction import (
    Reconstruction,
    fit_reconstruction,
    from_bytes,
    to_bytes,
)

__all__ = [
    "METHODS",
    "FitCache",
    "MultivariateMethod",
    "Reconstruction",
    "Windowed",
    "fit_key",
    "fit_reconstruction",
    "from_bytes",
    "multivariate_drift",
    "reference_pieces",
    "to_bytes",
]

log = logging.getLogger(__name__)


FitCache = MonitorCache  # one monitor's entries of the store's cache


@dataclass(frozen=True)
class Windowed:
    """Both windows' rows and where the reference starts, for cutting it into window-long pieces."""

    reference: pd.DataFrame
    current: pd.DataFrame
    timestamp: str
    reference_start: datetime
    window: timedelta


class MultivariateMethod(ABC):
    name: ClassVar[str]

    @abstractmethod
    def measure(
        self,
        data: Windowed,
        numerical: Sequence[str],
        categorical: Sequence[str],
        config: MultivariateConfig,
        cache: FitCache | None,
    ) -> MultivariateDrift: ...


class PcaReconstruction(MultivariateMethod):
    name = "pca_reconstruction"

    def measure(
        self,
        data: Windowed,
        numerical: Sequence[str],
        categorical: Sequence[str],
        config: MultivariateConfig,
        cache: FitCache | None,
    ) -> MultivariateDrift:
        fitted = self.fitted(data, numerical, categorical, config, cache)
        score = fitted.score(data.current)
        drifted = score is not None and fitted.drifted(score)
        return MultivariateDrift(self.name, score, fitted.upper, fitted.lower, drifted)

    def fitted(
        self,
        data: Windowed,
        numerical: Sequence[str],
        categorical: Sequence[str],
        config: MultivariateConfig,
        cache: FitCache | None,
    ) -> Reconstruction:
        key = fit_key(data, numerical, categorical, config) if cache is not None else ""
        if cache is not None:
            stored = cache.load(self.name, key)
            fitted = from_bytes(stored) if stored is not None else None
            if fitted is not None:
                log.debug("multivariate drift: the reference's PCA fit came from the cache")
                return fitted
        pieces = reference_pieces(data.reference, data.timestamp, data.reference_start, data.window)
        fitted = fit_reconstruction(data.reference, numerical, categorical, pieces, config)
        if fitted.upper is None:
            log.warning(
                "multivariate drift: the reference holds fewer than two windows of rows, so it sets no "
                "bound; give drift.multivariate.threshold or a longer reference"
            )
        if cache is not None:
            cache.save(self.name, key, to_bytes(fitted))
        return fitted


class DomainClassifier(MultivariateMethod):
    name = "domain_classifier"

    def measure(
        self,
        data: Windowed,
        numerical: Sequence[str],
        categorical: Sequence[str],
        config: MultivariateConfig,
        cache: FitCache | None,
    ) -> MultivariateDrift:
        lower, upper = bounds(config)
        score = domain_auroc(data.reference, data.current, numerical, categorical, config)
        drifted = score is not None and not lower <= score <= upper
        return MultivariateDrift(self.name, score, upper, lower, drifted)


METHODS: dict[str, MultivariateMethod] = {
    method.name: method for method in (PcaReconstruction(), DomainClassifier())
}


def multivariate_drift(
    data: Windowed,
    numerical: Sequence[str],
    categorical: Sequence[str],
    config: MultivariateConfig,
    cache: FitCache | None = None,
) -> MultivariateDrift:
    """The window's multivariate drift; no score when there is no feature or no row to compare."""
    method = METHODS[config.method]
    if not numerical and not categorical or len(data.reference) == 0 or len(data.current) == 0:
        return MultivariateDrift(config.method, None, None, None, False)
    return method.measure(data, numerical, categorical, config, cache)


def reference_pieces(
    reference: pd.DataFrame, timestamp: str, start: datetime, length: timedelta
) -> list[pd.DataFrame]:
    """The reference cut into consecutive pieces ``length`` long from ``start`` (empty ones left
    out): the reference windows whose scores set the bounds, as NannyML's reference chunks."""
    times = pd.to_datetime(reference[timestamp], utc=True)
    offset = (times - pd.Timestamp(start)).to_numpy(dtype="timedelta64[ns]").astype(np.int64)
    piece = offset // (int(length / timedelta(microseconds=1)) * 1000)
    numbers, order = np.unique(piece, return_inverse=True)
    return [reference[order == index] for index in range(len(numbers))]


def fit_key(
    data: Windowed, numerical: Sequence[str], categorical: Sequence[str], config: MultivariateConfig
) -> str:
    """What a fit depends on: the settings, the window length, the columns, the reference's rows."""
    columns = [*numerical, *categorical]
    rows = pd.util.hash_pandas_object(data.reference[[data.timestamp, *columns]], index=False)
    described = {
        "config": config.model_dump(mode="json"),
        "window": data.window.total_seconds(),
        "start": data.reference_start.isoformat(),
        "numerical": list(numerical),
        "categorical": list(categorical),
        "rows": len(data.reference),
    }
    digest = hashlib.sha256(json.dumps(described, sort_keys=True).encode())
    digest.update(rows.to_numpy().tobytes())
    return digest.hexdigest()
