"""Which rules judge segments, and the subjects they give (docs/reference.md, "Segments")."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from monitor.alerts.transitions import transition
from monitor.evaluate.frames import Frames
from monitor.records.segments import segment_of
from tests.segments.test_segment_stats import _frame, _monitor, _whole

NOW = datetime(2026, 3, 8, 1, tzinfo=timezone.utc)


def test_every_row_rule_judges_each_segment_with_its_own_subjects() -> None:
    rng = np.random.default_rng(3)
    frames = Frames(_frame(rng, 3000, current=False), _frame(rng, 2000, current=True))
    rules = [
        {"rule": "dataset_drift"},
        {"rule": "column_drift", "columns": ["amount"]},
        {"rule": "prediction_drift"},
        {"rule": "performance_drop", "metric": "accuracy"},
        {"rule": "missing_values", "columns": ["merchant"]},
        {"rule": "volume"},
        {"rule": "new_categories"},
        {"rule": "schema"},
        {"rule": "no_data"},
    ]
    monitor = _monitor(["country"], min_rows=100, alerts=rules)
    result = _whole(monitor, frames)
    steps = transition(monitor, result, {}, [], live=True, now=NOW).steps
    subjects = {(step.after.rule, step.after.subject) for step in steps}
    names = [s.segment.text for s in result.segments if s.segment is not None]
    assert len(names) == 4 and "country=null" in names
    for name in names:
        assert {
            ("dataset_drift", name),
            ("column_drift", f"{name}/amount"),
            ("prediction_drift", f"{name}/score"),
            ("performance_drop", f"{name}/accuracy"),
            ("missing_values", f"{name}/merchant"),
            ("volume", name),
            ("new_categories", f"{name}/merchant"),
        } <= subjects
    # about the source itself: the whole monitor only
    judged_per_segment = {rule for rule, subject in subjects if segment_of(subject)}
    assert not judged_per_segment & {"schema", "no_data", "freshness", "run_failed"}
    assert ("no_data", "window") in subjects and ("dataset_drift", "dataset") in subjects
    ids = [step.after.alert_id for step in steps]
    assert len(ids) == len(set(ids))  # every (rule, subject) its own alert
    summaries = {step.after.subject: step.after.summary for step in steps if step.after.rule == "volume"}
    assert summaries["country=DE"].startswith("m [country=DE]: ")
