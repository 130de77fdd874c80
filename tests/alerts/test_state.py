from datetime import datetime, timedelta, timezone

from monitor.alerts.rules import RuleOutcome
from monitor.alerts.state import advance, alert_id
from monitor.config.models import AlertRuleConfig

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


def outcome(breaching, value=0.3):
    return RuleOutcome("column_drift", "amount", breaching, value, 0.1, "amount drifted")


def run_sequence(rule, breaches, step=timedelta(hours=1), silenced=()):
    state, notes = None, []
    for i, breaching in enumerate(breaches):
        result = advance(state, outcome(breaching), rule, "m", T0 + i * step, silenced=i in silenced)
        state = result.after
        notes.append((state.status, result.notify))
    return notes


def test_fires_once_then_repeats_only_after_interval_then_resolves_once():
    rule = AlertRuleConfig.model_validate({"rule": "column_drift", "repeat_interval": "4h"})
    notes = run_sequence(rule, [True] * 6 + [False, False])
    assert notes == [
        ("firing", "firing"),
        ("firing", None),
        ("firing", None),
        ("firing", None),
        ("firing", "firing"),  # 4h after the first message
        ("firing", None),
        ("resolved", "resolved"),
        ("resolved", None),
    ]


def test_for_keeps_it_pending_and_a_clear_run_resets():
    rule = AlertRuleConfig.model_validate({"rule": "column_drift", "for": 3})
    notes = run_sequence(rule, [True, True, False, True, True, True])
    assert [status for status, _ in notes] == [
        "pending",
        "pending",
        "inactive",
        "pending",
        "pending",
        "firing",
    ]
    assert [n for _, n in notes].count("firing") == 1


def test_send_resolved_false():
    rule = AlertRuleConfig.model_validate({"rule": "column_drift", "send_resolved": False})
    notes = run_sequence(rule, [True, False])
    assert notes == [("firing", "firing"), ("resolved", None)]


def test_silenced_alert_keeps_state_and_notifies_after_silence():
    rule = AlertRuleConfig.model_validate({"rule": "column_drift"})
    notes = run_sequence(rule, [True, True, True], silenced={0, 1})
    assert notes == [("firing", None), ("firing", None), ("firing", "firing")]


def test_silenced_firing_never_announced_resolves_quietly():
    rule = AlertRuleConfig.model_validate({"rule": "column_drift"})
    notes = run_sequence(rule, [True, False], silenced={0})
    assert notes == [("firing", None), ("resolved", None)]


def test_alert_id_is_stable_and_distinct():
    assert alert_id("m", "column_drift", "amount") == alert_id("m", "column_drift", "amount")
    assert alert_id("m", "column_drift", "amount") != alert_id("m", "column_drift", "amount2")
    assert alert_id("m", "a", "bc") != alert_id("m", "ab", "c")
