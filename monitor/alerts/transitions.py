"""One run's effect on its monitor's alerts, decided without I/O.

    the run's result -> rule outcomes -> advance(stored state, outcome) -> steps

What a run may judge depends on what it saw (docs/reference.md, "Alerts: lifecycle and
window time"):

- a run that failed judges only ``run_failed``: nothing else can be told without data;
- a run with no rows judges only ``no_data``, ``run_failed``, ``volume``, ``freshness`` and
  (missing columns only) ``schema``; every other alert of the monitor stays as it was,
  neither firing nor resolving on no evidence;
- history (a window ending at or before the latest one already evaluated, or a backfill)
  changes no alert at all: what its window breached is reported, nothing more.

The alerts a result lists are the monitor's alerts after the run: those firing (whether
this run judged them or not) and those this run resolved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from monitor.alerts.rules import evaluate
from monitor.alerts.segments import segment_outcomes, with_segment_alerts
from monitor.alerts.state import advance
from monitor.config.models import AlertRuleConfig, MonitorConfig
from monitor.records.alerts import AlertState, AlertSummary, RuleOutcome, Step, alert_id
from monitor.records.result import MonitorResult
from monitor.records.store import Silence

ON_FAILURE = frozenset({"run_failed"})
# an empty window is exactly what volume and freshness are about; a column missing from the
# source needs no rows to be seen (the schema rule judges only missing columns then)
ON_NO_DATA = frozenset({"no_data", "run_failed", "volume", "freshness", "schema"})


@dataclass(frozen=True)
class Transition:
    result: MonitorResult  # with ``alerts``, ``breaches`` and ``live`` filled in
    steps: tuple[Step, ...]  # what to store; none for history


def judged_rules(result: MonitorResult) -> frozenset[str] | None:
    """The rules this run may judge; ``None``: all of them."""
    if result.error is not None:
        return ON_FAILURE
    if result.rows == 0:
        return ON_NO_DATA
    return None


def transition(
    monitor: MonitorConfig,
    result: MonitorResult,
    states: Mapping[str, AlertState],
    silences: Sequence[Silence],
    *,
    live: bool,
    now: datetime,
) -> Transition:
    """``states``: the monitor's stored alerts by id; ``now``: wall-clock time of the run."""
    outcomes = _outcomes(monitor.alerts, result)
    breaches = tuple(outcome for _, _, outcome in outcomes if outcome.breaching)

    def silenced(rule: str, subject: str) -> bool:
        return any(s.matches(result.monitor, rule, subject, now) for s in silences)

    steps: list[Step] = []
    if live:
        for index, rule, outcome in outcomes:
            previous = states.get(alert_id(result.monitor, outcome.rule, outcome.subject))
            step = advance(
                previous, outcome, rule, result.monitor, now, silenced=silenced(outcome.rule, outcome.subject)
            )
            steps.append(replace(step, rule_index=index))
    alerts = _summaries(monitor.alerts, states, steps, silenced)
    result = with_segment_alerts(result, alerts)
    return Transition(replace(result, alerts=alerts, breaches=breaches, live=live), tuple(steps))


def _outcomes(
    rules: Sequence[AlertRuleConfig], result: MonitorResult
) -> list[tuple[int, AlertRuleConfig, RuleOutcome]]:
    judged = judged_rules(result)
    return [
        (index, rule, outcome)
        for index, rule in enumerate(rules)
        if judged is None or rule.rule in judged
        for outcome in [*evaluate(rule, result), *segment_outcomes(rule, result)]
    ]


def _summaries(
    rules: Sequence[AlertRuleConfig],
    states: Mapping[str, AlertState],
    steps: Sequence[Step],
    silenced: Callable[[str, str], bool],
) -> tuple[AlertSummary, ...]:
    """Every alert of a configured rule firing after the run, and every one it resolved."""
    stepped = {step.after.alert_id: step for step in steps}
    after = {**states, **{alert: step.after for alert, step in stepped.items()}}
    summaries = []
    for alert in after.values():
        step = stepped.get(alert.alert_id)
        resolved_now = step is not None and step.changed and alert.status == "resolved"
        channels = _channels(rules, alert.rule, step)
        if channels is None or not (alert.status == "firing" or resolved_now):
            continue
        summaries.append(
            AlertSummary(
                alert.rule, alert.subject, alert.status, channels, silenced(alert.rule, alert.subject)
            )
        )
    return tuple(summaries)


def _channels(rules: Sequence[AlertRuleConfig], rule: str, step: Step | None) -> tuple[str, ...] | None:
    """The channels of the rule behind an alert; ``None`` when no configured rule has it."""
    if step is not None:
        return tuple(rules[step.rule_index].channels)
    matching = [config for config in rules if config.rule == rule]
    if not matching:
        return None
    return tuple(dict.fromkeys(channel for config in matching for channel in config.channels))
