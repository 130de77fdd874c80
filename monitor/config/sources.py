"""Where a monitor's rows come from and what they hold: ``source``, ``features``, ``prediction``,
``target``, ``reference`` and ``schedule`` (docs/reference.md, "Config").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from monitor.config.base import Model, Name, to_utc
from monitor.config.durations import Duration


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
