"""``estimation:``: performance estimated before labels arrive (docs/reference.md, "Estimated performance").

``cbpe`` (confidence-based performance estimation) serves classification models, binary (one
``score``) or multiclass (``scores``); ``dle`` (direct loss estimation) serves regression models.
Both follow NannyML's methods of the same names.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CBPE_METRICS = ("roc_auc", "accuracy", "precision", "recall", "f1")
DLE_METRICS = ("mae", "rmse")
DEFAULT_METRICS = {"cbpe": CBPE_METRICS, "dle": DLE_METRICS}


class EstimationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Literal["cbpe", "dle"]
    # omitted: every metric the method estimates
    metrics: tuple[str, ...] = ()
    # the multiplier of the sampling error that spans [lower, upper] (NannyML's default: 3)
    bands: float = Field(3.0, gt=0.0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _known_metrics(self) -> EstimationConfig:
        allowed = DEFAULT_METRICS[self.method]
        if not self.metrics:
            object.__setattr__(self, "metrics", allowed)  # frozen: the default filled in once
        unknown = [metric for metric in self.metrics if metric not in allowed]
        if unknown:
            raise ValueError(
                f"metrics: {self.method} does not estimate {', '.join(unknown)}; it estimates "
                f"{', '.join(allowed)}"
            )
        if len(set(self.metrics)) != len(self.metrics):
            raise ValueError("metrics: each metric once")
        return self

    def check_model(self, task: str, score_columns: list[str], prediction_column: str | None) -> None:
        """The prediction section gives what the method needs."""
        if self.method == "cbpe":
            if task != "classification":
                raise ValueError("estimation: cbpe is for classification; use method: dle for regression")
            if not score_columns:
                raise ValueError("estimation: cbpe needs prediction.score (or scores): the probabilities")
        elif task != "regression":
            raise ValueError("estimation: dle is for regression; use method: cbpe for classification")
        elif prediction_column is None:
            raise ValueError("estimation: dle needs prediction.column (the predicted value)")
