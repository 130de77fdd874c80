"""A pushed-down monitor's performance metrics: confusion counts, sums and score ranks from the
engine (``monitor.compute.labels`` turns them into metrics; multiclass models in
``monitor.compute.multiclass``), as ``monitor.stats.performance`` computes them from rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from monitor.compute import multiclass
from monitor.compute.labels import classification_metrics, present_label, regression_metrics
from monitor.compute.statements import WindowSpec, label_pairs, regression_sums, score_ranks
from monitor.errors import ConfigError
from monitor.records.result import MetricComparison, Performance

if TYPE_CHECKING:
    from monitor.compute.pushdown import Pushdown


def window_performance(pushdown: Pushdown) -> Performance | None:
    """The performance metrics of both windows, each from the engine's counts and sums."""
    target = pushdown.monitor.target
    assert target is not None
    current = pushdown.profiles["current"]
    rows_with_target = current.rows - current.missing[target.column]
    if rows_with_target == 0:
        return None
    current_metrics = _metrics(pushdown, pushdown.current)
    reference_metrics = _metrics(pushdown, pushdown.reference)
    names = list(dict.fromkeys([*current_metrics, *reference_metrics]))
    comparisons = tuple(MetricComparison(n, current_metrics.get(n), reference_metrics.get(n)) for n in names)
    return Performance(rows_with_target, comparisons)


def _metrics(pushdown: Pushdown, spec: WindowSpec) -> dict[str, float]:
    target, prediction = pushdown.monitor.target, pushdown.monitor.prediction
    assert target is not None
    task = prediction.task if prediction is not None else "classification"
    column = prediction.column if prediction is not None else None
    score = prediction.score if prediction is not None else None
    if prediction is not None and prediction.multiclass:
        return multiclass.multiclass_metrics(pushdown.engine, spec, target.column, prediction, pushdown.types)
    if task == "regression":
        estimate = column if column is not None else score
        if estimate is None:
            raise ConfigError("regression metrics need a prediction or a score column")
        return regression_metrics(pushdown.engine.one(regression_sums(spec, target.column, estimate)))
    if column is None and score is None:
        return {}
    pairs = [
        (t, label, int(count))
        for t, label, count in pushdown.engine.run(label_pairs(spec, target.column, column, score))
        if present_label(t)
    ]

    def ranks(positives: list[Any]) -> tuple[Any, ...]:
        assert score is not None
        return pushdown.engine.one(score_ranks(spec, target.column, score, positives))

    return classification_metrics(pairs, column is not None, ranks if score is not None else None)
