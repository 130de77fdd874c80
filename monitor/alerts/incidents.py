"""The data-incident rules (docs/reference.md, "Alert rules"): volume, freshness, schema,
new_categories, out_of_range, duplicates; one outcome per subject, as every rule.

Values quoted from the data (categories, keys) are JSON-quoted and clipped, so a value
with quotes, newlines or markup stays one visible piece of text in every channel.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from monitor.config.models import AlertRuleConfig
from monitor.records.alerts import RuleOutcome
from monitor.records.quality import Offending, SchemaChange
from monitor.records.result import MonitorResult

MAX_EXAMPLE = 60  # characters of one quoted value


def quoted(values: Sequence[str]) -> str:
    """``"a", "b"``: each value JSON-quoted (escapes included) and clipped."""
    clipped = [value if len(value) <= MAX_EXAMPLE else value[: MAX_EXAMPLE - 1] + "…" for value in values]
    return ", ".join(json.dumps(value, ensure_ascii=False) for value in clipped)


def _volume(rule: AlertRuleConfig, result: MonitorResult) -> list[RuleOutcome]:
    volume = result.quality.volume
    if volume is None or volume.ratio is None:  # no reference rate: nothing to compare with
        return []
    ratio = volume.ratio
    too_high = rule.max_ratio is not None and ratio > rule.max_ratio
    breaching = ratio < rule.min_ratio or too_high
    threshold = rule.max_ratio if too_high else rule.min_ratio
    allowed = (
        f"{rule.min_ratio:g} to {rule.max_ratio:g}" if rule.max_ratio else f"at least {rule.min_ratio:g}"
    )
    summary = (
        f"{result.monitor}: {result.rows} rows in the window, {volume.rows_per_hour:.4g} per hour against "
        f"{volume.reference_rows_per_hour:.4g} in the reference (ratio {ratio:.3g}, allowed {allowed})"
    )
    return [RuleOutcome("volume", "rows", breaching, ratio, threshold, summary)]


def _freshness(rule: AlertRuleConfig, result: MonitorResult) -> list[RuleOutcome]:
    freshness = result.quality.freshness
    if freshness is None:
        return []
    limit = rule.max_age.total_seconds()
    subject = freshness.column
    if freshness.newest is None or freshness.age_seconds is None:
        summary = f"{result.monitor}: no row in the source before {result.windows.current.end.isoformat()}"
        return [RuleOutcome("freshness", subject, True, None, limit, summary)]
    age = freshness.age_seconds
    summary = (
        f"{result.monitor}: newest row at {freshness.newest.isoformat()}, {_duration(age)} old "
        f"(allowed {_duration(limit)})"
    )
    return [RuleOutcome("freshness", subject, age > limit, age, limit, summary)]


def _schema(rule: AlertRuleConfig, result: MonitorResult) -> list[RuleOutcome]:
    wanted = set(rule.columns) if rule.columns is not None else None
    changed = {change.column: change for change in result.quality.schema}
    if result.rows == 0:  # no value to tell a type by: only a missing column can be told
        columns = [column for column, change in changed.items() if change.change == "missing"]
    else:
        columns = list(dict.fromkeys([*changed, *result.missing, *result.quality.present]))
    outcomes = []
    for column in columns:
        if wanted is not None and column not in wanted:
            continue
        outcomes.append(_schema_outcome(result.monitor, column, changed.get(column)))
    return outcomes


def _schema_outcome(monitor: str, column: str, change: SchemaChange | None) -> RuleOutcome:
    if change is None:
        summary = f"{monitor}: column {column} is present, with the reference's type"
    elif change.change == "missing":
        summary = f"{monitor}: column {column} is missing from the source"
    else:
        summary = (
            f"{monitor}: column {column} holds {change.current_type} values, "
            f"{change.reference_type} in the reference"
        )
    return RuleOutcome("schema", column, change is not None, None, None, summary)


def _shares(name: str, what: str) -> Callable[[AlertRuleConfig, MonitorResult], list[RuleOutcome]]:
    def judge(rule: AlertRuleConfig, result: MonitorResult) -> list[RuleOutcome]:
        if shares_of(result) is None or result.rows == 0:
            return []
        wanted = set(rule.columns) if rule.columns is not None else None
        limit = rule.share_limit
        outcomes = []
        for column, offending in (shares_of(result) or {}).items():
            if wanted is not None and column not in wanted:
                continue
            summary = f"{result.monitor}: {offending.share:.2%} of {column} {what} (allowed {limit:.2%})"
            if offending.examples:
                summary += f"; most frequent: {quoted(offending.examples)}"
            breaching = offending.share > limit
            outcomes.append(RuleOutcome(name, column, breaching, offending.share, limit, summary))
        return outcomes

    def shares_of(result: MonitorResult) -> dict[str, Offending] | None:
        quality = result.quality
        return quality.new_categories if name == "new_categories" else quality.out_of_range

    return judge


def _duplicates(rule: AlertRuleConfig, result: MonitorResult) -> list[RuleOutcome]:
    duplicates = result.quality.duplicates
    if duplicates is None or result.rows == 0:
        return []
    limit = rule.share_limit
    key = ",".join(duplicates.key)
    summary = f"{result.monitor}: {duplicates.share:.2%} of rows repeat a {key} (allowed {limit:.2%})"
    if duplicates.examples:
        summary += f"; e.g. {quoted(duplicates.examples)}"
    return [RuleOutcome("duplicates", key, duplicates.share > limit, duplicates.share, limit, summary)]


def _duration(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} d"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


INCIDENT_RULES = {
    "volume": _volume,
    "freshness": _freshness,
    "schema": _schema,
    "new_categories": _shares("new_categories", "holds categories never seen in the reference"),
    "out_of_range": _shares("out_of_range", "lies outside its range"),
    "duplicates": _duplicates,
}
