"""The reference's fit, from the store's cache or fitted now (and then kept), and the window's estimates."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from monitor.config.models import MonitorConfig
from monitor.errors import ConfigError
from monitor.records.windows import Interval
from monitor.stats.estimation import cache as fits
from monitor.stats.estimation import cbpe, dle
from monitor.stats.estimation.cache import FitCache
from monitor.stats.multiclass import class_labels, multiclass_metrics, score_matrix
from monitor.stats.performance import binary_labels, performance_metrics

log = logging.getLogger(__name__)
Estimates = dict[str, cbpe.Estimate]


def cbpe_estimates(
    name: str,
    monitor: MonitorConfig,
    window: Interval,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    cache: FitCache | None,
) -> tuple[Estimates, dict[str, float], bool, bool]:
    """(estimates, the reference's realized metrics, calibrated?, from the cache?)."""
    prediction, target, estimation = monitor.prediction, monitor.target, monitor.estimation
    assert prediction is not None and target is not None and estimation is not None
    metrics = list(estimation.metrics)
    used = [target.column, *prediction.columns]
    labelled = reference.dropna(subset=used).reset_index(drop=True)
    if labelled.empty:
        log.warning(
            "monitor %s: no reference row has a target and the scores yet: nothing to fit CBPE on", name
        )
        return {}, {}, False, False
    settings: dict[str, Any] = {
        "method": "cbpe",
        "metrics": metrics,
        "scores": prediction.scores or prediction.score,
    }
    key = fits.fit_key(labelled, used, window, settings)
    payload = fits.load(cache, name, "cbpe", key)
    model = fits.unpack_cbpe(payload) if payload is not None else None
    cached = model is not None
    if model is None:
        log.info("monitor %s: fitting CBPE on %d reference rows", name, len(labelled))
        model = _fit_cbpe(monitor, labelled, metrics)
        fits.save(cache, name, "cbpe", key, fits.pack_cbpe(model))
    if prediction.scores is not None:
        classes, matrix = score_matrix(current, prediction.scores)
        predicted = (
            class_labels(current[prediction.column]) if prediction.column else _argmax(classes, matrix)
        )
        estimates = cbpe.estimate_multiclass(model, matrix, predicted, metrics)
    else:
        scores = current[str(prediction.score)].to_numpy(dtype=np.float64, na_value=np.nan)
        binary_predicted = _binary_prediction(current, prediction.column, scores)
        estimates = cbpe.estimate_binary(model, scores, binary_predicted, metrics)
    return estimates, model.reference, model.calibrated, cached


def _fit_cbpe(monitor: MonitorConfig, labelled: pd.DataFrame, metrics: list[str]) -> cbpe.CBPEModel:
    prediction, target = monitor.prediction, monitor.target
    assert prediction is not None and target is not None
    truth_column = labelled[target.column]
    predicted_column = labelled[prediction.column] if prediction.column else None
    if prediction.scores is not None:
        classes, matrix = score_matrix(labelled, prediction.scores)
        truth = class_labels(truth_column)
        unknown = sorted({str(label) for label in truth} - set(classes))
        if unknown:
            raise ConfigError(
                f"the reference's targets hold class(es) {', '.join(unknown[:5])} that prediction.scores "
                f"does not name ({', '.join(classes)})",
                key="prediction.scores",
            )
        predicted = (
            class_labels(predicted_column) if predicted_column is not None else _argmax(classes, matrix)
        )
        model = cbpe.fit_multiclass(truth, matrix, predicted, classes, metrics)
        reference = multiclass_metrics(truth_column, predicted_column, labelled, prediction.scores)
    else:
        binary_truth = binary_labels(truth_column)
        if binary_truth is None:
            raise ConfigError(
                "cbpe with one score needs 0/1 targets; a multiclass model names its scores: {class: column}",
                key="prediction.score",
            )
        scores = labelled[str(prediction.score)].to_numpy(dtype=np.float64)
        binary_predicted = _binary_prediction(labelled, prediction.column, scores)
        model = cbpe.fit_binary(binary_truth, scores, binary_predicted, metrics)
        score_column = labelled[str(prediction.score)]
        reference = performance_metrics("classification", truth_column, predicted_column, score_column)
    return replace(model, reference={m: v for m, v in reference.items() if m in metrics})


def _binary_prediction(frame: pd.DataFrame, column: str | None, scores: np.ndarray[Any, Any]) -> Any:
    """0/1 predicted labels (-1 where missing); without a prediction column, score >= 0.5."""
    if column is None:
        return np.where(np.isnan(scores), -1, (scores >= 0.5).astype(np.int64))
    labels = binary_labels(frame[column])
    if labels is None:
        raise ConfigError(
            f"column {column!r} must hold 0/1 predicted labels for cbpe", key="prediction.column"
        )
    return labels


def _argmax(classes: list[str], matrix: np.ndarray[Any, Any]) -> Any:
    chosen = np.array(classes, dtype=object)[np.argmax(np.nan_to_num(matrix, nan=-np.inf), axis=1)]
    chosen[np.isnan(matrix).any(axis=1)] = None
    return chosen


def dle_estimates(
    name: str,
    monitor: MonitorConfig,
    window: Interval,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    features: list[str],
    cache: FitCache | None,
) -> tuple[Estimates, dict[str, float], bool]:
    """(estimates, the reference's realized metrics, from the cache?)."""
    prediction, target, estimation = monitor.prediction, monitor.target, monitor.estimation
    assert prediction is not None and target is not None and estimation is not None
    column = str(prediction.column)
    metrics = list(estimation.metrics)
    labelled = reference.dropna(subset=[target.column, column]).reset_index(drop=True)
    if labelled.empty:
        log.warning(
            "monitor %s: no reference row has a target and a prediction yet: nothing to fit DLE on", name
        )
        return {}, {}, False
    settings: dict[str, Any] = {
        "method": "dle",
        "metrics": metrics,
        "features": features,
        "prediction": column,
    }
    used = [target.column, column, *features]
    key = fits.fit_key(labelled, used, window, settings)
    payload = fits.load(cache, name, "dle", key)
    model = fits.unpack_dle(payload) if payload is not None else None
    cached = model is not None
    if model is None:
        log.info("monitor %s: fitting DLE on %d reference rows", name, len(labelled))
        model = dle.fit(labelled, features, column, target.column, metrics)
        realized = performance_metrics("regression", labelled[target.column], labelled[column], None)
        model = replace(model, reference={m: v for m, v in realized.items() if m in metrics})
        fits.save(cache, name, "dle", key, fits.pack_dle(model))
    return dle.estimate(model, current, metrics), model.reference, cached
