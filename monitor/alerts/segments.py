"""Alert rules per segment (docs/reference.md, "Segments"): every rule that judges rows is
judged again on each checked segment, its subject prefixed with the segment's name.

``dataset_drift``, ``multivariate_drift`` and ``volume`` are about the segment as a whole: their
subject is the segment (``country=DE``). Every other rule keeps its own subject after the segment
(``country=DE/amount``, ``country=DE/roc_auc``), so each segment's alerts have their own
ids and fire and resolve on their own. ``no_data``, ``run_failed``, ``freshness`` and
``schema`` are about the source itself and judge the whole monitor only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from monitor.alerts.rules import evaluate
from monitor.config.models import AlertRuleConfig
from monitor.records.alerts import AlertSummary, RuleOutcome
from monitor.records.result import MonitorResult
from monitor.records.segments import Segment

WHOLE_MONITOR_ONLY = frozenset({"no_data", "run_failed", "freshness", "schema"})
SUBJECT_IS_SEGMENT = frozenset({"dataset_drift", "multivariate_drift", "volume"})


def segment_outcomes(rule: AlertRuleConfig, result: MonitorResult) -> list[RuleOutcome]:
    """What ``rule`` finds in each checked segment of ``result``."""
    if rule.rule in WHOLE_MONITOR_ONLY:
        return []
    outcomes = []
    for checked in result.segments:
        segment = checked.segment
        assert segment is not None
        for outcome in evaluate(rule, checked):
            outcomes.append(_within(segment, result.monitor, outcome))
    return outcomes


def _within(segment: Segment, monitor: str, outcome: RuleOutcome) -> RuleOutcome:
    subject = segment.subject(None if outcome.rule in SUBJECT_IS_SEGMENT else outcome.subject)
    summary = outcome.summary
    prefix = f"{monitor}: "
    if summary.startswith(prefix):
        summary = summary[len(prefix) :]
    return replace(outcome, subject=subject, summary=f"{monitor} [{segment.text}]: {summary}")


def in_segment(subject: str, segment: Segment) -> bool:
    """The alert with this subject belongs to ``segment``."""
    text = segment.text
    return subject == text or subject.startswith(text + "/")


def with_segment_alerts(result: MonitorResult, alerts: Sequence[AlertSummary]) -> MonitorResult:
    """``result`` whose segments list their own alerts too."""
    if not result.segments:
        return result
    segments = []
    for checked in result.segments:
        assert checked.segment is not None
        mine = tuple(alert for alert in alerts if in_segment(alert.subject, checked.segment))
        segments.append(replace(checked, alerts=mine))
    return replace(result, segments=tuple(segments))
