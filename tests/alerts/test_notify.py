"""What each channel type is told about one alert step (grouping, Alertmanager re-posts, silences)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from monitor.alerts.notify import status_to_send
from monitor.alerts.rules import RuleOutcome
from monitor.alerts.state import advance
from monitor.config.models import AlertRuleConfig

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
RULE = AlertRuleConfig.model_validate({"rule": "no_data", "repeat_interval": "4h", "send_resolved": False})


def steps(breaches: list[bool], silenced: set[int] = frozenset()):  # type: ignore[assignment]
    state, result = None, []
    for i, breaching in enumerate(breaches):
        outcome = RuleOutcome("no_data", "window", breaching, 0.0, 0.0, "no rows")
        step = advance(state, outcome, RULE, "m", T0 + timedelta(hours=i), silenced=i in silenced)
        state = step.after
        result.append(step)
    return result


def test_alertmanager_hears_every_firing_run_and_the_resolution() -> None:
    run = steps([True, True, True, False, False])
    assert [status_to_send("alertmanager", s) for s in run] == [
        "firing",
        "firing",
        "firing",
        "resolved",
        None,
    ]
    # the others follow repeat_interval and send_resolved
    assert [status_to_send("webhook", s) for s in run] == ["firing", None, None, None, None]
    assert [status_to_send("slack", s) for s in run] == ["firing", None, None, None, None]


def test_a_silenced_alert_is_not_reposted_to_alertmanager() -> None:
    run = steps([True, True, False], silenced={1, 2})
    assert [s.silenced for s in run] == [False, True, True]
    assert [status_to_send("alertmanager", s) for s in run] == ["firing", None, None]
    assert [s.after.status for s in run] == ["firing", "firing", "resolved"]  # the state goes on
