"""``alerts:`` of a monitor: the rules that raise alerts and their options
(docs/reference.md, "Alert rules").
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import AliasChoices, Field, model_validator

from monitor.config.base import Model, Name
from monitor.config.durations import Duration

# the metrics performance_drop may watch, by the model's task
CLASSIFICATION_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss")
REGRESSION_METRICS = ("mae", "rmse", "mape", "r2")
RuleName = Literal[
    "dataset_drift",
    "column_drift",
    "prediction_drift",
    "performance_drop",
    "missing_values",
    "no_data",
    "run_failed",
    "volume",
    "freshness",
    "schema",
    "new_categories",
    "out_of_range",
    "duplicates",
    "estimated_performance_drop",
    "multivariate_drift",
]
# rules that take ``columns:`` (None: every column they apply to)
COLUMN_RULES = ("column_drift", "missing_values", "new_categories", "out_of_range", "schema")
# rules that take ``max_share:``, with its default
SHARE_DEFAULTS = {"missing_values": 0.1, "new_categories": 0.01, "out_of_range": 0.01, "duplicates": 0.0}


class AlertRuleConfig(Model):
    rule: RuleName = Field(validation_alias=AliasChoices("rule", "on"))
    channels: list[str] = Field(default_factory=list)
    columns: list[Name] | None = None
    metric: str | None = None
    max_drop: float = Field(0.05, ge=0.0)
    # None: the rule's own default (SHARE_DEFAULTS; docs/reference.md, "Alert rules")
    max_share: float | None = Field(None, ge=0.0, le=1.0)
    min_ratio: float = Field(0.5, ge=0.0)  # volume
    max_ratio: float | None = Field(None, gt=0.0)  # volume; None: no upper limit
    max_age: Duration = timedelta(hours=2)  # freshness
    key: list[str] | None = None  # duplicates
    bounds: dict[str, tuple[float, float]] = Field(default_factory=dict)  # out_of_range
    for_: int = Field(1, alias="for", ge=1)
    repeat_interval: Duration = timedelta(hours=4)
    send_resolved: bool = True
    severity: Literal["info", "warning", "critical"] = "warning"

    @model_validator(mode="after")
    def _rule_needs(self) -> AlertRuleConfig:
        metric_rules = ("performance_drop", "estimated_performance_drop")
        if self.rule in metric_rules and self.metric is None:
            raise ValueError(f"{self.rule} needs metric (e.g. roc_auc, accuracy, mae)")
        if self.rule not in metric_rules and self.metric is not None:
            raise ValueError(f"metric is for performance_drop or estimated_performance_drop, not {self.rule}")
        if self.columns is not None and self.rule not in COLUMN_RULES:
            raise ValueError(f"columns is for {', '.join(COLUMN_RULES)}, not {self.rule}")
        self._incident_options()
        return self

    def _incident_options(self) -> None:
        """Each data-incident option belongs to one rule (docs/reference.md, "Alert rules")."""
        owners = {
            "min_ratio": "volume",
            "max_ratio": "volume",
            "max_age": "freshness",
            "key": "duplicates",
            "bounds": "out_of_range",
        }
        for option, owner in owners.items():
            if option in self.model_fields_set and self.rule != owner:
                raise ValueError(f"{option} is for {owner}, not {self.rule}")
        if "max_share" in self.model_fields_set and self.rule not in SHARE_DEFAULTS:
            raise ValueError(f"max_share is for {', '.join(SHARE_DEFAULTS)}, not {self.rule}")
        if self.rule == "duplicates" and not self.key:
            raise ValueError("duplicates needs key: the column(s) that identify a row, e.g. [transaction_id]")
        if self.max_ratio is not None and self.max_ratio <= self.min_ratio:
            raise ValueError("max_ratio must be above min_ratio")
        for column, (low, high) in self.bounds.items():
            if not low <= high:
                raise ValueError(f"bounds.{column}: the lower bound {low} is above the upper bound {high}")

    @property
    def share_limit(self) -> float:
        """The share above which a share rule breaches: ``max_share``, else the rule's default."""
        return self.max_share if self.max_share is not None else SHARE_DEFAULTS.get(self.rule, 0.0)
