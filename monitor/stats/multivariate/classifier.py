"""Domain classifier AUROC, as NannyML 0.13's DomainClassifierCalculator computes it.

A LightGBM classifier learns to tell the reference's rows (label 0) from the window's
(label 1); the score is the AUROC of its out-of-fold probabilities over ``cv_folds``
stratified folds (scikit-learn's ``StratifiedKFold``, unshuffled, as NannyML). 0.5: the
windows cannot be told apart; 1: entirely. NannyML's default hyperparameters and bounds
(drifted below 0.45 or above 0.65) apply; a ``threshold`` replaces the upper bound.
Categorical columns are ordinal-encoded over both windows and given to LightGBM as
categorical features; the matrix holds the categorical columns first, then the
numerical ones, each in name order, as NannyML builds it.

There is nothing to fit on the reference alone: every window trains its own classifiers.
LightGBM is imported only when this method runs (docs/reference.md, "Multivariate drift").
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.config.models import MultivariateConfig
from monitor.errors import ConfigError

# NannyML's DEFAULT_LGBM_HYPERPARAMS, without its ``silent`` (LightGBM 4 ignores it, with a warning)
HYPERPARAMETERS: dict[str, Any] = {
    "boosting_type": "gbdt",
    "class_weight": None,
    "colsample_bytree": 1.0,
    "importance_type": "split",
    "learning_rate": 0.1,
    "max_depth": -1,
    "min_child_samples": 20,
    "min_child_weight": 0.001,
    "min_split_gain": 0.0,
    "n_estimators": 100,
    "n_jobs": -1,
    "num_leaves": 31,
    "objective": None,
    "random_state": 13,
    "reg_alpha": 0.0,
    "reg_lambda": 0.0,
    "subsample": 1.0,
    "subsample_for_bin": 200000,
    "subsample_freq": 0,
    "verbosity": -1,
}
LOWER, UPPER = 0.45, 0.65


def bounds(config: MultivariateConfig) -> tuple[float, float]:
    return LOWER, UPPER if config.threshold is None else float(config.threshold)


def domain_auroc(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    numerical: Sequence[str],
    categorical: Sequence[str],
    config: MultivariateConfig,
) -> float | None:
    """The cross-validated AUROC of telling ``current`` from ``reference``; None for an empty window."""
    if len(current) == 0 or len(reference) == 0:
        return None
    try:
        from lightgbm import LGBMClassifier
    except ImportError as exc:
        raise ConfigError(
            "drift.multivariate.method: domain_classifier needs LightGBM: pip install lightgbm",
            key="drift.multivariate.method",
        ) from exc
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    categorical, numerical = sorted(categorical), sorted(numerical)
    rows = pd.concat([reference[[*categorical, *numerical]], current[[*categorical, *numerical]]])
    features = _matrix(rows.reset_index(drop=True), numerical, categorical)
    labels = np.concatenate([np.zeros(len(reference)), np.ones(len(current))])
    folds = min(config.cv_folds, len(reference), len(current))
    if folds < 2:
        return None
    predicted, truth = [], []
    for train, test in StratifiedKFold(n_splits=folds).split(features, labels):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Using categorical_feature in Dataset.")
            model = LGBMClassifier(**HYPERPARAMETERS)
            model.fit(features.iloc[train], labels[train], categorical_feature=list(categorical))
        predicted.append(model.predict_proba(features.iloc[test])[:, 1])
        truth.append(labels[test])
    all_truth = np.concatenate(truth)
    if len(np.unique(all_truth)) < 2:
        return 0.5
    return float(roc_auc_score(all_truth, np.concatenate(predicted)))


def _matrix(rows: pd.DataFrame, numerical: Sequence[str], categorical: Sequence[str]) -> pd.DataFrame:
    """Categorical columns as codes (categories in sorted order, missing as NaN), then numbers."""
    columns: dict[str, Any] = {}
    for column in categorical:
        try:
            codes, _ = pd.factorize(rows[column], sort=True, use_na_sentinel=True)
        except TypeError:  # categories of mixed types: ordered as text
            values = rows[column]
            codes, _ = pd.factorize(values.astype(str).where(values.notna()), sort=True, use_na_sentinel=True)
        columns[column] = np.where(codes < 0, np.nan, codes.astype(np.float64))
    for column in numerical:
        values = pd.to_numeric(rows[column], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        columns[column] = values
    return pd.DataFrame(columns)
