"""Direct loss estimation (DLE) for regression models, as NannyML 0.13 computes it.

For each metric a LightGBM regressor (the settings of ``LGBMRegressor()``, NannyML's
default model, on one thread) learns, on the reference, each row's loss from the features and the
prediction: the absolute error for mae, the squared error for rmse. A window's estimate is
the mean of the predicted losses (negative ones count 0), rmse its square root. Categorical
features (text, boolean or category columns, as NannyML decides) are coded as NannyML codes
them: missing values as one more category, categories in sorted order from 1, unseen ones 0.
LightGBM is imported only here, when a monitor uses ``method: dle``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from monitor.errors import ConfigError
from monitor.stats.estimation.cbpe import Estimate

FloatArray = npt.NDArray[np.float64]
MISSING = "NML_missing_value"
# LGBMRegressor()'s defaults, NannyML's model, given to lightgbm.train (no scikit-learn wrapper).
# One thread: OpenMP threads spinning on a busy machine made a fit ten times slower in our
# benchmarks, and the daemon runs monitors side by side anyway (docs/reference.md).
LGBM_PARAMETERS: dict[str, Any] = {
    "boosting_type": "gbdt",
    "objective": "regression",
    "num_leaves": 31,
    "max_depth": -1,
    "learning_rate": 0.1,
    "subsample_for_bin": 200000,
    "min_split_gain": 0.0,
    "min_child_weight": 1e-3,
    "min_child_samples": 20,
    "subsample": 1.0,
    "subsample_freq": 0,
    "colsample_bytree": 1.0,
    "reg_alpha": 0.0,
    "reg_lambda": 0.0,
    "num_threads": 1,
    "verbose": -1,
}
ROUNDS = 100  # LGBMRegressor's n_estimators


@dataclass(frozen=True)
class DLEModel:
    features: list[str]  # the features, then the prediction column: the regressors' inputs
    categories: dict[str, list[str]]  # per categorical input, its categories in code order
    boosters: dict[str, str]  # per metric, the LightGBM model as text (model_to_string)
    components: dict[str, list[float]]  # per metric, NannyML's sampling-error components
    reference: dict[str, float]


def _lightgbm() -> Any:
    try:
        import lightgbm
    except ImportError as exc:  # pragma: no cover - a dependency, but a broken install says so
        raise ConfigError(
            "estimation: dle needs LightGBM: pip install 'lightgbm>=4,<4.6'", key="estimation.method"
        ) from exc
    return lightgbm


def is_categorical(column: pd.Series) -> bool:
    """NannyML's rule (object, string, category and bool columns), whatever the dtype's backend:
    Arrow-backed text (``large_string[pyarrow]``) is text too."""
    types = pd.api.types
    return bool(types.is_bool_dtype(column) or not types.is_numeric_dtype(column))


def _encoded(frame: pd.DataFrame, inputs: list[str], categories: dict[str, list[str]]) -> pd.DataFrame:
    encoded = {}
    for name in inputs:
        column = frame[name]
        if name in categories:
            texts = column.astype("object").where(column.notna(), MISSING).astype(str)
            codes = pd.Categorical(texts, categories=categories[name]).codes.astype(np.float64)
            encoded[name] = codes + 1  # NannyML: unseen (-1) -> 0, the first category -> 1
        else:
            encoded[name] = pd.to_numeric(column, errors="coerce").astype(np.float64)
    return pd.DataFrame(encoded, index=frame.index)


def fit(
    reference: pd.DataFrame, features: list[str], prediction: str, target: str, metrics: list[str]
) -> DLEModel:
    """``reference``: the rows whose target and prediction are present."""
    lightgbm = _lightgbm()
    inputs = [*features, prediction]
    categories = {
        name: sorted(
            set(reference[name].astype("object").where(reference[name].notna(), MISSING).astype(str))
        )
        for name in features
        if is_categorical(reference[name])
    }
    matrix = _encoded(reference, inputs, categories)
    truth = reference[target].to_numpy(dtype=np.float64)
    predicted = reference[prediction].to_numpy(dtype=np.float64)
    boosters, components = {}, {}
    for metric in metrics:
        errors = np.abs(truth - predicted) if metric == "mae" else np.square(truth - predicted)
        if metric == "mae":
            components[metric] = [float(np.std(errors))]
        else:
            components[metric] = [float(np.std(errors)), float(np.mean(errors))]
        data = lightgbm.Dataset(matrix, errors, categorical_feature=list(categories), free_raw_data=True)
        try:
            booster = lightgbm.train(LGBM_PARAMETERS, data, num_boost_round=ROUNDS)
        except lightgbm.basic.LightGBMError as exc:
            raise ValueError(f"LightGBM could not fit the {metric} model: {exc}") from exc
        boosters[metric] = booster.model_to_string()
    return DLEModel(inputs, categories, boosters, components, {})


def estimate(model: DLEModel, current: pd.DataFrame, metrics: list[str]) -> dict[str, Estimate]:
    lightgbm = _lightgbm()
    prediction = model.features[-1]
    present = current[prediction].notna().to_numpy()
    matrix = _encoded(current, model.features, model.categories).to_numpy()
    results = {}
    for metric in metrics:
        if metric not in model.boosters:
            continue
        booster = lightgbm.Booster(model_str=model.boosters[metric])
        losses = np.maximum(0, booster.predict(matrix, num_threads=1))
        rows = int(present.sum())
        components = model.components[metric]
        if metric == "mae":
            value, error = float(np.mean(losses)), components[0] / np.sqrt(rows)
        else:
            spread, mean = components
            value, error = float(np.sqrt(np.mean(losses))), float(np.sqrt(spread**2 / (4 * rows * mean)))
        results[metric] = Estimate(value, float(error))
    return results
