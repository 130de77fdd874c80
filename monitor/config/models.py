"""The typed, frozen config: what ``monitor`` reads after the YAML is validated once.

Nothing after loading reads raw dicts: every duration is a ``timedelta``, every
time an aware UTC ``datetime``, every name checked against what it refers to.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from monitor.config.durations import Duration
from monitor.config.estimation import EstimationConfig
from monitor.config.segments import SegmentsConfig, segments_problem
from monitor.printable import name_problem

# The longest monitor, channel or column name: the store's name columns hold 200 characters on every
# backend (VARCHAR(200) on PostgreSQL), see monitor/store/schema.py and docs/reference.md, "Names".
NAME_LENGTH = 200


def _check_name(name: str) -> str:
    problem = name_problem(name, NAME_LENGTH)
    if problem is not None:
        raise ValueError(problem)
    return name


Name = Annotated[str, AfterValidator(_check_name)]


def _installed_drift_method(name: str) -> str:
    """``auto`` or a method of the registry (built-in or plug-in); see docs/reference.md."""
    if name == "auto":
        return name
    # imported here: the registry loads the plug-ins, and monitor.stats imports this module
    from monitor.drift_methods import get_method
    from monitor.errors import ConfigError

    try:
        return get_method(name).name
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


DriftMethodName = Annotated[str, AfterValidator(_installed_drift_method)]
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
ChannelType = Literal["slack", "webhook", "alertmanager", "pagerduty", "msteams"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def to_utc(value: Any) -> datetime:
    """Naive times are UTC; dates are midnight UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    elif not isinstance(value, datetime) and hasattr(value, "year"):  # a date
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        raise ValueError(f"invalid time {value!r}: use ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z")
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class SparkConfig(Model):
    """A Spark session for a ``spark:`` source (docs/reference.md, "Where the statistics are computed")."""

    master: str = "local[2]"
    conf: dict[str, str] = Field(default_factory=dict)


class DuckDBConfig(Model):
    """Embedded DuckDB computing pushdown over ``path`` files: its memory cap and spill directory."""

    memory_limit: str | None = None  # e.g. "1GB"; DuckDB's default is 80% of the machine
    temp_directory: str | None = None  # where DuckDB spills past memory_limit
    threads: int | None = Field(None, ge=1)


class SourceConfig(Model):
    """A prediction log: a SQL table or query (``url``), files (``path`` glob) or a Spark table."""

    url: str | None = None
    table: str | None = None
    query: str | None = None
    path: str | None = None
    spark: SparkConfig | None = None
    timestamp: Name
    # epoch numbers in the timestamp column: s | ms | us | ns; omitted: read from their magnitude
    timestamp_unit: Literal["s", "ms", "us", "ns"] | None = None
    compute: Literal["local", "pushdown", "auto"] = "auto"
    max_local_rows: int = Field(5_000_000, ge=0)
    duckdb: DuckDBConfig = DuckDBConfig()

    @model_validator(mode="after")
    def _one_kind(self) -> SourceConfig:
        if sum(kind is not None for kind in (self.url, self.path, self.spark)) != 1:
            raise ValueError(
                "give one of url (a SQL database), path (CSV/Parquet files) or spark (a Spark table)"
            )
        if (self.url is not None or self.spark is not None) and (self.table is None) == (self.query is None):
            raise ValueError(f"a {'SQL' if self.url else 'Spark'} source needs exactly one of table or query")
        if self.path is not None and (self.table or self.query):
            raise ValueError("table and query are for SQL sources (url), not files (path)")
        if self.spark is not None and self.compute == "local":
            raise ValueError("a spark source is computed in Spark: use compute: pushdown or auto")
        return self

    @property
    def kind(self) -> Literal["sql", "files", "spark"]:
        if self.spark is not None:
            return "spark"
        return "sql" if self.url is not None else "files"


class FeaturesConfig(Model):
    numerical: list[Name] = Field(default_factory=list)
    categorical: list[Name] = Field(default_factory=list)
    text: list[Name] = Field(default_factory=list)

    @model_validator(mode="after")
    def _disjoint(self) -> FeaturesConfig:
        kinds = {"numerical": self.numerical, "categorical": self.categorical, "text": self.text}
        for first, second in (("numerical", "categorical"), ("numerical", "text"), ("categorical", "text")):
            both = sorted(set(kinds[first]) & set(kinds[second]))
            if both:
                raise ValueError(f"column(s) {', '.join(both)} listed as both {first} and {second}")
        return self

    @property
    def all(self) -> list[str]:
        return [*self.numerical, *self.categorical, *self.text]


class PredictionConfig(Model):
    column: Name | None = None
    score: Name | None = None
    # a multiclass model: the probability column of each class, keyed by the class label as it
    # appears in the prediction and target columns (docs/reference.md, "Multiclass models")
    scores: dict[str, Name] | None = None
    task: Literal["classification", "regression"] = "classification"

    @field_validator("score", mode="before")
    @classmethod
    def _one_score(cls, value: Any) -> Any:
        if isinstance(value, list | dict):
            raise ValueError(
                "score is one probability column; a multiclass model names one per class "
                "with `scores: {class: column}`, e.g. scores: {A: p_a, B: p_b, C: p_c}"
            )
        return value

    @field_validator("scores", mode="before")
    @classmethod
    def _class_keys(cls, value: Any) -> Any:
        # YAML reads class labels 0, 1, true as numbers/booleans: they are kept as written in text
        if isinstance(value, dict):
            return {_class_key(key): column for key, column in value.items()}
        if value is not None:
            raise ValueError("scores maps each class to its probability column, e.g. {A: p_a, B: p_b}")
        return value

    @model_validator(mode="after")
    def _needs_a_column(self) -> PredictionConfig:
        if self.column is None and self.score is None and self.scores is None:
            raise ValueError("name the prediction column, the score column (or scores), or both")
        if self.score is not None and self.scores is not None:
            raise ValueError("give score (a binary model) or scores (one column per class), not both")
        if self.scores is not None:
            if self.task != "classification":
                raise ValueError("scores is for classification models")
            if len(self.scores) < 2:
                raise ValueError("scores needs at least two classes")
            if len(set(self.scores.values())) != len(self.scores):
                raise ValueError("scores: each class needs its own column")
        return self

    @property
    def multiclass(self) -> bool:
        return self.scores is not None

    @property
    def score_columns(self) -> list[str]:
        """The probability columns: ``score``, or every column of ``scores``."""
        if self.scores is not None:
            return list(self.scores.values())
        return [self.score] if self.score is not None else []

    @property
    def columns(self) -> list[str]:
        """Every column the prediction names: the label, then the scores."""
        return [c for c in (self.column, *self.score_columns) if c is not None]

    @property
    def drift_column(self) -> str:
        """Prediction drift is measured on the score when there is one (docs/reference.md);
        a multiclass model's score columns are judged each (``MonitorResult.score_drift``)."""
        if self.score is not None:
            return self.score
        if self.column is not None:
            return self.column
        return self.score_columns[0]


def _class_key(key: Any) -> str:
    if isinstance(key, bool):
        return str(key)
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key)


class TargetConfig(Model):
    """Ground truth: in the same rows, or in another table/file joined on ``join_on``."""

    column: Name
    table: str | None = None
    query: str | None = None
    path: str | None = None
    url: str | None = None
    join_on: Name | None = None

    @model_validator(mode="after")
    def _where(self) -> TargetConfig:
        elsewhere = self.table is not None or self.path is not None or self.query is not None
        if self.url is not None and self.table is None and self.query is None:
            raise ValueError("a target url needs a table or a query")
        if self.path is not None and (self.table or self.query or self.url):
            raise ValueError("give the target's path, or its url/table, not both")
        if elsewhere and self.join_on is None:
            raise ValueError("a target in another table or file needs join_on (the key column)")
        return self

    @property
    def separate(self) -> bool:
        return self.table is not None or self.path is not None or self.query is not None


class ReferenceConfig(Model):
    start: datetime | None = None
    end: datetime | None = None
    previous: Duration | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def _utc(cls, value: Any) -> datetime | None:
        return None if value is None else to_utc(value)

    @model_validator(mode="after")
    def _one_form(self) -> ReferenceConfig:
        absolute = self.start is not None or self.end is not None
        if absolute and self.previous is not None:
            raise ValueError("give either start and end, or previous, not both")
        if not absolute and self.previous is None:
            raise ValueError("give start and end, or previous (e.g. previous: 30d)")
        if absolute and (self.start is None or self.end is None):
            raise ValueError("an absolute reference needs both start and end")
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class ScheduleConfig(Model):
    every: Duration | None = None
    cron: str | None = None
    timezone: str = "UTC"

    @model_validator(mode="after")
    def _one_form(self) -> ScheduleConfig:
        if (self.every is None) == (self.cron is None):
            raise ValueError("give either every (e.g. 1h) or cron (e.g. '0 6 * * *')")
        if self.cron is not None:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(self.cron, timezone=self.timezone)
            except Exception as exc:  # apscheduler raises ValueError or zoneinfo errors
                raise ValueError(f"invalid cron expression {self.cron!r}: {exc}") from exc
        return self


class ColumnDriftConfig(Model):
    method: DriftMethodName = "auto"
    threshold: float | None = Field(None, ge=0.0, allow_inf_nan=False)


class MultivariateConfig(Model):
    """Drift of all features together, as NannyML measures it (docs/reference.md, "Multivariate drift")."""

    method: Literal["pca_reconstruction", "domain_classifier"] = "pca_reconstruction"
    # pca_reconstruction: the share of variance kept (0 to 1), or a number of components
    n_components: float | int = Field(0.65, gt=0.0, allow_inf_nan=False)
    # pca_reconstruction: the bounds are the reference pieces' mean -/+ this many standard deviations
    std_multiplier: float = Field(3.0, ge=0.0, allow_inf_nan=False)
    # a fixed upper bound instead of the method's own (pca: from the reference; domain_classifier: 0.65)
    threshold: float | None = Field(None, ge=0.0, allow_inf_nan=False)
    cv_folds: int = Field(5, ge=2, le=20)  # domain_classifier: folds of the cross-validated AUROC

    @model_validator(mode="after")
    def _method_options(self) -> MultivariateConfig:
        owners = {"n_components": "pca_reconstruction", "std_multiplier": "pca_reconstruction"}
        owners["cv_folds"] = "domain_classifier"
        for option, owner in owners.items():
            if option in self.model_fields_set and self.method != owner:
                raise ValueError(f"{option} is for method {owner}, not {self.method}")
        if isinstance(self.n_components, float) and self.n_components >= 1.0:
            raise ValueError("n_components: a share of variance is below 1; a number of components is whole")
        return self


class DriftConfig(Model):
    method: DriftMethodName = "auto"
    threshold: float | None = Field(None, ge=0.0, allow_inf_nan=False)
    share: float = Field(0.5, ge=0.0, le=1.0)
    columns: dict[Name, ColumnDriftConfig] = Field(default_factory=dict)
    multivariate: MultivariateConfig | None = None

    def setting(self, column: str) -> tuple[str, float | None]:
        """The method and threshold that judge ``column``, wherever it is used (a feature, the
        prediction, the report): its ``columns`` entry where set, else the monitor's ``method``
        and ``threshold``; a ``None`` threshold is the method's default. An entry that only sets
        a threshold keeps the monitor's method."""
        override = self.columns.get(column)
        if override is None:
            return self.method, self.threshold
        method = override.method if "method" in override.model_fields_set else self.method
        threshold = override.threshold if override.threshold is not None else self.threshold
        return method, threshold


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
            source = self.source
            spark = source.spark is not None
            problem = segments_problem(self.segments, timestamp=source.timestamp, spark=spark)
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


class RetryConfig(Model):
    initial: Duration = timedelta(seconds=1)
    max: Duration = timedelta(minutes=5)
    max_age: Duration = timedelta(hours=24)


class ChannelConfig(Model):
    type: ChannelType
    url: str | None = None
    secret: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    routing_key: str | None = None
    timeout: Duration = timedelta(seconds=10)
    retry: RetryConfig = RetryConfig()

    @model_validator(mode="after")
    def _needs(self) -> ChannelConfig:
        if self.type == "pagerduty":
            if not self.routing_key:
                raise ValueError("a pagerduty channel needs routing_key")
        elif not self.url:
            raise ValueError(f"a {self.type} channel needs url")
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return self

    def secrets(self) -> list[str]:
        """What must never be logged: Slack's and Teams' URL is itself the secret."""
        values = [self.secret, self.routing_key, *self.headers.values()]
        if self.type in ("slack", "msteams", "webhook") or (self.url and "@" in self.url):
            values.append(self.url)
        return [v for v in values if v]


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
