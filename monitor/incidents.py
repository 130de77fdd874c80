"""The data-incident figures of one run, as its monitor's rules ask for them (docs/reference.md,
"Data incidents"): what ``evaluate`` adds beside drift, from the frames it already holds.

Only what a configured rule judges is computed (volume and type changes always: they cost
nothing), so a monitor without these rules pays nothing for them.
"""

from __future__ import annotations

import logging
from datetime import datetime

import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.config.models import AlertRuleConfig, FeaturesConfig, MonitorConfig
from monitor.records.quality import DataQuality, Freshness, Offending, SchemaChange
from monitor.records.windows import Windows
from monitor.sources import open_source
from monitor.sources.window import target_source_config
from monitor.stats import incidents

log = logging.getLogger(__name__)


PREDICTION_SKIPS = ("prediction_drift", "performance")  # what a run without its predictions lacks
TARGET_SKIPS = ("performance",)


def without_missing_columns(
    monitor: MonitorConfig, windows: Windows
) -> tuple[MonitorConfig, tuple[SchemaChange, ...]]:
    """With a ``schema`` rule, configured columns the window's data lacks are reported, not
    fatal: the monitor goes on without them. A missing feature is left out; a missing
    prediction column leaves out prediction drift and performance, a missing target
    performance (each said in the change's ``skipped``). Without a ``schema`` rule the
    monitor is returned as is, and a missing column stays the config error it always was."""
    if not monitor.rules_named("schema"):
        return monitor, ()
    with open_source(monitor.source) as source:
        current = windows.current
        present = source.columns_in_window(current.start, current.end)
    update: dict[str, object] = {}
    changes = []
    features = monitor.features
    if features is not None:
        missing = [column for column in features.all if column not in present]
        changes += [SchemaChange(column, "missing", None, None) for column in missing]
        if missing:
            update["features"] = FeaturesConfig(
                numerical=[c for c in features.numerical if c in present],
                categorical=[c for c in features.categorical if c in present],
                text=[c for c in features.text if c in present],
            )
    prediction = monitor.prediction
    predicted = [c for c in (prediction.column, prediction.score) if c is not None] if prediction else []
    missing_predictions = [column for column in predicted if column not in present]
    if missing_predictions:
        changes += [SchemaChange(c, "missing", None, None, PREDICTION_SKIPS) for c in missing_predictions]
        update.update(prediction=None, target=None)  # performance compares predictions with labels
    elif monitor.target is not None and monitor.target.column not in _target_columns(monitor, present):
        changes.append(SchemaChange(monitor.target.column, "missing", None, None, TARGET_SKIPS))
        update["target"] = None
    if not changes:
        return monitor, ()
    log.warning("monitor columns missing from the source: %s", ", ".join(c.column for c in changes))
    return monitor.model_copy(update=update), tuple(changes)


def _target_columns(monitor: MonitorConfig, present: set[str]) -> set[str]:
    """The columns where the labels live: the log's own, or the separate labels source's."""
    if monitor.target is None or not monitor.target.separate:
        return present
    with open_source(target_source_config(monitor)) as labels:
        return set(labels.list_columns())


def data_quality(
    monitor: MonitorConfig,
    windows: Windows,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    numerical: list[str],
    categorical: list[str],
    schema: tuple[SchemaChange, ...],
    new_categories: dict[str, Offending] | None,
) -> DataQuality:
    """Every figure the monitor's rules judge, computed from both windows' rows;
    ``new_categories`` comes with the drift check, from its category codes."""
    out_of_range = None
    if not monitor.rules_named("new_categories"):
        new_categories = None
    ranged = monitor.rules_named("out_of_range")
    if ranged:
        out_of_range = incidents.out_of_range(reference, current, numerical, _bounds(ranged))
    duplicates = None
    keyed = monitor.rules_named("duplicates")
    if keyed and keyed[0].key:  # one figure per run: the first duplicates rule's key
        duplicates = incidents.duplicates(current, keyed[0].key)
    target = monitor.target
    return DataQuality(
        present=(target.column,) if target is not None and target.column in current.columns else (),
        volume=incidents.volume(len(current), len(reference), windows),
        schema=schema,
        duplicates=duplicates,
        new_categories=new_categories,
        out_of_range=out_of_range,
    )


def freshness(monitor: MonitorConfig, at: datetime) -> Freshness | None:
    """The newest time in the source before ``at`` (the run time), asked of the source alone."""
    if not monitor.rules_named("freshness"):
        return None
    with open_source(monitor.source) as source:
        newest = source.newest_timestamp(at)
    column = monitor.source.timestamp
    if newest is None:
        return Freshness(column, None, None)
    return Freshness(column, newest, (at - newest).total_seconds())


def _bounds(rules: list[AlertRuleConfig]) -> dict[str, tuple[float, float]]:
    bounds: dict[str, tuple[float, float]] = {}
    for rule in rules:
        bounds.update(rule.bounds)
    return bounds
