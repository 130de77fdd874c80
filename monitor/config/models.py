"""The typed, frozen config: what ``monitor`` reads after the YAML is validated once.

Nothing after loading reads raw dicts: every duration is a ``timedelta``, every
time an aware UTC ``datetime``, every name checked against what it refers to.

The sections live in their own modules (``base``, ``sources``, ``drift``, ``rules``,
``channels``); this module joins them into a monitor and the whole file, and re-exports
every name so ``monitor.config.models`` stays the one place to import config types from.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator

from monitor.config.base import NAME_LENGTH, Model, Name, to_utc
from monitor.config.channels import ChannelConfig, ChannelType, RetryConfig
from monitor.config.drift import ColumnDriftConfig, DriftConfig, DriftMethodName, MultivariateConfig
from monitor.config.durations import Duration
from monitor.config.estimation import EstimationConfig
from monitor.config.rules import (
    CLASSIFICATION_METRICS,
    COLUMN_RULES,
    REGRESSION_METRICS,
    SHARE_DEFAULTS,
    AlertRuleConfig,
    RuleName,
)
from monitor.config.segments import SegmentsConfig, segments_problem
from monitor.config.sources import (
    DuckDBConfig,
    FeaturesConfig,
    PredictionConfig,
    ReferenceConfig,
    ScheduleConfig,
    SourceConfig,
    SparkConfig,
    TargetConfig,
)

__all__ = [
    "AlertRuleConfig",
    "CLASSIFICATION_METRICS",
    "COLUMN_RULES",
    "ChannelConfig",
    "ChannelType",
    "ColumnDriftConfig",
    "Config",
    "DaemonConfig",
    "DriftConfig",
    "DriftMethodName",
    "DuckDBConfig",
    "FeaturesConfig",
    "Model",
    "MonitorConfig",
    "MultivariateConfig",
    "NAME_LENGTH",
    "Name",
    "PredictionConfig",
    "REGRESSION_METRICS",
    "ReferenceConfig",
    "ReportsConfig",
    "RetryConfig",
    "RuleName",
    "SHARE_DEFAULTS",
    "ScheduleConfig",
    "ServerConfig",
    "SourceConfig",
    "SparkConfig",
    "TargetConfig",
    "to_utc",
]


class MonitorConfig(Model):
    source: SourceConfig
    features: FeaturesConfig | None = None
    prediction: PredictionConfig | None = None
    target: TargetConfig | None = None
    reference: ReferenceConfig
    window: Duration
    schedule: ScheduleConfig = ScheduleConfig(every=timedelta(hours=1))
    drift: DriftConfig = DriftConfig()
    alerts: list[AlertRuleConfig] = Field(default_factory=list)
    segments: SegmentsConfig | None = None
    estimation: EstimationConfig | None = None

    @model_validator(mode="after")
    def _consistent(self) -> MonitorConfig:
        if self.segments is not None:
            problem = segments_problem(self.segments, timestamp=self.source.timestamp)
            if problem is not None:
                raise ValueError(problem)
        self._check_estimation()
        features = self.features.all if self.features else []
        for rule in self.alerts:
            if rule.rule == "column_drift" and self.features is not None:
                unknown = [c for c in rule.columns or [] if c not in features]
                if unknown:
                    raise ValueError(f"column_drift names unknown column(s): {', '.join(unknown)}")
            if rule.rule in COLUMN_RULES[1:] and self.features is not None:
                checked = [*features, *self._prediction_columns()]
                unknown = [c for c in [*(rule.columns or []), *rule.bounds] if c not in checked]
                if unknown:
                    raise ValueError(
                        f"{rule.rule} names column(s) not among the features or prediction: "
                        f"{', '.join(unknown)}"
                    )
            if rule.rule == "prediction_drift" and self.prediction is None:
                raise ValueError("prediction_drift needs a prediction: section")
            if rule.rule == "performance_drop":
                self._check_metric(str(rule.metric))
        if len({tuple(rule.key or ()) for rule in self.rules_named("duplicates")}) > 1:
            raise ValueError("duplicates rules of one monitor must share one key (it is one figure per run)")
        if self.features is not None:
            judged = [*features, *self._prediction_columns()]
            unknown = [c for c in self.drift.columns if c not in judged]
            if unknown:
                raise ValueError(
                    f"drift.columns names column(s) not among the features or the prediction: "
                    f"{', '.join(unknown)}"
                )
            self._check_method_kinds(self.features)
        return self

    def _check_method_kinds(self, features: FeaturesConfig) -> None:
        """Each listed feature's drift method must accept its kind (docs/reference.md)."""
        from monitor.drift_methods import get_method

        kinds = {
            **dict.fromkeys(features.numerical, "numerical"),
            **dict.fromkeys(features.categorical, "categorical"),
            **dict.fromkeys(features.text, "text"),
        }
        for column, kind in kinds.items():
            override = self.drift.columns.get(column)
            method = (
                override.method if override and "method" in override.model_fields_set else self.drift.method
            )
            where = f"drift.columns.{column}.method" if method is not self.drift.method else "drift.method"
            if method != "auto" and kind not in get_method(method).kinds:
                raise ValueError(
                    f"{where}: {method} does not apply to {kind} column {column!r}; "
                    f"give {column!r} its own method under drift.columns"
                )

    @property
    def multivariate(self) -> MultivariateConfig | None:
        """What measures multivariate drift: ``drift.multivariate``, else its defaults when a
        ``multivariate_drift`` rule asks for it, else None (not measured)."""
        if self.drift.multivariate is not None:
            return self.drift.multivariate
        return MultivariateConfig() if self.rules_named("multivariate_drift") else None

    def rules_named(self, name: str) -> list[AlertRuleConfig]:
        return [rule for rule in self.alerts if rule.rule == name]

    def duplicate_key_columns(self) -> list[str]:
        """The columns the ``duplicates`` rules key on: read with the window, never features."""
        return list(
            dict.fromkeys(column for rule in self.rules_named("duplicates") for column in rule.key or [])
        )

    def _prediction_columns(self) -> list[str]:
        if self.prediction is None:
            return []
        return self.prediction.columns

    def _check_estimation(self) -> None:
        """``estimation:`` and its rule fit the model (docs/reference.md, "Estimated performance")."""
        rules = self.rules_named("estimated_performance_drop")
        estimation = self.estimation
        if estimation is None:
            if rules:
                raise ValueError("estimated_performance_drop needs an estimation: section")
            return
        if self.target is None:
            raise ValueError("estimation needs a target: section (the reference's labels fit it)")
        if self.prediction is None:
            raise ValueError("estimation needs a prediction: section")
        estimation.check_model(self.prediction.task, self.prediction.score_columns, self.prediction.column)
        for rule in rules:
            if rule.metric not in estimation.metrics:
                raise ValueError(
                    f"estimated_performance_drop: metric {rule.metric!r} is not estimated; "
                    f"estimation.metrics: {', '.join(estimation.metrics)}"
                )

    def _check_metric(self, metric: str) -> None:
        if self.target is None:
            raise ValueError("performance_drop needs a target: section (the ground truth)")
        task = self.prediction.task if self.prediction else "classification"
        allowed = CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS
        if metric not in allowed:
            raise ValueError(f"metric {metric!r} is not a {task} metric; use one of {', '.join(allowed)}")
        if metric in ("roc_auc", "log_loss") and (
            self.prediction is None or not self.prediction.score_columns
        ):
            raise ValueError(f"metric {metric} needs prediction.score or scores (probability columns)")


class ReportsConfig(Model):
    dir: Path = Path("reports")
    when: Literal["alert", "always", "never"] = Field("alert", validation_alias=AliasChoices("when", "on"))
    max_rows: int = Field(50000, ge=100)
    base_url: str | None = None
    keep: int | Duration | None = None


class ServerConfig(Model):
    host: str = "127.0.0.1"
    port: int = Field(9108, ge=0, le=65535)
    read_timeout: Duration = timedelta(seconds=5)  # a connection silent this long is closed
    threads: int = Field(4, ge=1, le=64)  # requests served at once; slow clients hold no thread


class DaemonConfig(Model):
    """``monitor run``: how many runs at once, how long one may take, how fast a standby takes over."""

    workers: int = Field(2, ge=1, le=64)
    run_timeout: Duration = timedelta(minutes=10)
    lease_ttl: Duration = timedelta(seconds=15)  # a standby takes over at most this long after a crash


class Config(Model):
    store: str = "sqlite:///monitor-state.db"
    reports: ReportsConfig = ReportsConfig()
    server: ServerConfig = ServerConfig()
    daemon: DaemonConfig = DaemonConfig()
    retention: Duration = timedelta(days=400)  # history older than this is pruned daily (docs/reference.md)
    channels: dict[Name, ChannelConfig] = Field(default_factory=dict)
    monitors: dict[Name, MonitorConfig]
    path: Path | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _references(self) -> Config:
        if not self.monitors:
            raise ValueError("monitors: define at least one monitor")
        for name, monitor in self.monitors.items():
            for index, rule in enumerate(monitor.alerts):
                unknown = [c for c in rule.channels if c not in self.channels]
                if unknown:
                    known = ", ".join(self.channels) or "none defined"
                    raise ValueError(
                        f"monitors.{name}.alerts.{index}.channels: unknown channel(s) "
                        f"{', '.join(unknown)} (channels: {known})"
                    )
        return self
