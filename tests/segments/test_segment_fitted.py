"""Estimated performance and multivariate drift per segment (docs/reference.md, "Segments"):
each segment's figures equal the whole-monitor code run on that segment's rows alone, and
their alerts carry the segment in their subjects."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from monitor.alerts.transitions import transition
from monitor.config.models import MonitorConfig
from monitor.evaluate.frames import Frames
from monitor.evaluate.statistics import compute
from monitor.records.result import MonitorResult
from monitor.store import open_store
from monitor.windows import resolve_windows
from tests.segments.test_segment_stats import AT, _close, _frame, _mask

NOW = datetime(2026, 3, 8, 1, tzinfo=timezone.utc)


def _config(segmented: bool) -> MonitorConfig:
    document = {
        "source": {"url": "sqlite:///unused.db", "table": "t", "timestamp": "ts", "compute": "local"},
        "features": {"numerical": ["amount", "age"], "categorical": ["merchant", "flag"]},
        "prediction": {"column": "pred", "score": "score"},
        "target": {"column": "label"},
        "reference": {"previous": "30d"},
        "window": "7d",
        "estimation": {"method": "cbpe", "metrics": ["roc_auc", "accuracy"]},
        "drift": {"multivariate": {"method": "pca_reconstruction"}},
        "alerts": [
            {"rule": "estimated_performance_drop", "metric": "roc_auc", "max_drop": 0.05},
            {"rule": "multivariate_drift"},
        ],
    }
    if segmented:
        document["segments"] = {"by": ["country"], "min_rows": 100}
    return MonitorConfig.model_validate(document)


def _result(monitor: MonitorConfig, frames: Frames) -> MonitorResult:
    windows = resolve_windows(monitor, AT)
    return compute(monitor, MonitorResult("m", windows, drift_share_threshold=monitor.drift.share), frames)


@pytest.fixture(scope="module")
def frames() -> Frames:
    rng = np.random.default_rng(11)
    return Frames(_frame(rng, 3000, current=False), _frame(rng, 2000, current=True))


def test_each_segment_is_estimated_and_judged_on_its_own_rows(frames: Frames) -> None:
    result = _result(_config(segmented=True), frames)
    assert len(result.segments) == 4
    plain = _config(segmented=False)
    for checked in result.segments:
        assert checked.segment is not None
        alone = _result(
            plain,
            Frames(
                frames.reference[_mask(frames.reference, checked.segment)].reset_index(drop=True),
                frames.current[_mask(frames.current, checked.segment)].reset_index(drop=True),
            ),
        )
        assert checked.estimated_performance is not None and alone.estimated_performance is not None
        for mine, theirs in zip(
            checked.estimated_performance.metrics, alone.estimated_performance.metrics, strict=True
        ):
            assert mine.metric == theirs.metric
            assert _close(mine.estimate, theirs.estimate), (checked.segment.text, mine.metric)
            assert _close(mine.realized, theirs.realized)
        assert checked.drift is not None and alone.drift is not None
        mine_drift, their_drift = checked.drift.multivariate, alone.drift.multivariate
        assert mine_drift is not None and their_drift is not None
        assert _close(mine_drift.score, their_drift.score), checked.segment.text
        # a segment's figures are its own, not the whole window's
        assert result.drift is not None and result.drift.multivariate is not None
        assert not _close(mine_drift.score, result.drift.multivariate.score)


def test_their_alerts_carry_the_segment(frames: Frames) -> None:
    monitor = _config(segmented=True)
    result = _result(monitor, frames)
    steps = transition(monitor, result, {}, [], live=True, now=NOW).steps
    subjects = {(step.after.rule, step.after.subject) for step in steps}
    for checked in result.segments:
        assert checked.segment is not None
        name = checked.segment.text
        assert ("multivariate_drift", name) in subjects
        assert ("estimated_performance_drop", f"{name}/roc_auc") in subjects


def test_each_segment_keeps_its_own_fits_in_the_store(frames: Frames, tmp_path: Path) -> None:
    monitor = _config(segmented=True)
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    windows = resolve_windows(monitor, AT)

    def run() -> MonitorResult:
        empty = MonitorResult("m", windows, drift_share_threshold=monitor.drift.share)
        return compute(monitor, empty, frames, cache=store)

    first, second = run(), run()

    assert len(first.segments) == 4
    for before, after in zip(first.segments, second.segments, strict=True):
        assert before.estimated_performance is not None and after.estimated_performance is not None
        assert (before.estimated_performance.cached, after.estimated_performance.cached) == (False, True)
        assert before.drift is not None and after.drift is not None
        assert before.drift.multivariate is not None and after.drift.multivariate is not None
        assert after.drift.multivariate.score == before.drift.multivariate.score
        assert [m.estimate for m in after.estimated_performance.metrics] == [
            m.estimate for m in before.estimated_performance.metrics
        ]
    with sqlite3.connect(tmp_path / "state.db") as connection:
        owners = {row[0] for row in connection.execute("SELECT monitor FROM monitor_cache")}
    # the whole monitor's fits and each segment's, apart; no segment's value in the store's keys
    assert len(owners) == 1 + len(first.segments)
    assert not any("DE" in owner or "country" in owner for owner in owners)
