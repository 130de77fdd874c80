"""Segments pushed down (``GROUP BY`` the segment columns, then each segment's statements over
its rows) equal the local segments to 1e-9: the same segments chosen and skipped, and per
segment every drift score, the prediction drift, the performance and missing shares."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.config.models import MonitorConfig
from monitor.evaluate import evaluate
from monitor.records.result import MonitorResult
from tests.compute.conftest import Place
from tests.compute.data import AT, awkward_log
from tests.compute.test_equality import close

LOG = awkward_log(1500, current_rows=400)
SECTIONS: dict[str, Any] = {
    "features": {"numerical": ["normal", "ties", "offset"], "categorical": ["level"]},
    "prediction": {"column": "label", "score": "score"},
    "target": {"column": "target"},
    "reference": {"previous": "1d"},
    "window": "1h",
}


def _result(source: dict[str, Any], by: list[str]) -> MonitorResult:
    segments = {"by": by, "top": 3, "min_rows": 40}
    monitor = MonitorConfig.model_validate({"source": source, "segments": segments, **SECTIONS})
    result = evaluate("m", monitor, AT).result
    assert result.error is None, result.error
    return result


def _same(pushed: MonitorResult, local: MonitorResult) -> None:
    assert (pushed.rows, pushed.reference_rows) == (local.rows, local.reference_rows)
    assert pushed.drift is not None and local.drift is not None
    for got, want in zip(pushed.drift.columns, local.drift.columns, strict=True):
        assert (got.column, got.method, got.drifted) == (want.column, want.method, want.drifted)
        assert close(got.score, want.score), (pushed.segment, got, want)
    assert close(pushed.drift.share, local.drift.share)
    assert pushed.prediction_drift is not None and local.prediction_drift is not None
    assert close(pushed.prediction_drift.score, local.prediction_drift.score)
    assert pushed.performance is not None and local.performance is not None
    for got_metric, want_metric in zip(pushed.performance.metrics, local.performance.metrics, strict=True):
        assert got_metric.metric == want_metric.metric
        assert close(got_metric.current, want_metric.current) and close(
            got_metric.reference, want_metric.reference
        )
    assert pushed.missing.keys() == local.missing.keys()
    assert all(close(pushed.missing[c], local.missing[c]) for c in local.missing)


@pytest.mark.parametrize("by", [["colour"], ["colour", "flag"]])
def test_pushed_down_segments_equal_local(place: Place, by: list[str]) -> None:
    pushed_source, local_source = place.load(LOG)
    pushed, local = _result(pushed_source, by), _result(local_source, by)
    assert pushed.compute == place.engine and local.compute == "local"
    _same(pushed, local)
    # the same names (alert subjects, metric labels) whichever engine computed them
    assert [s.segment.text for s in pushed.segments if s.segment] == [
        s.segment.text for s in local.segments if s.segment
    ]
    assert len(local.segments) == 3
    for got, want in zip(pushed.segments, local.segments, strict=True):
        _same(got, want)
    assert pushed.skipped_segments is not None and local.skipped_segments is not None
    assert pushed.skipped_segments.count == local.skipped_segments.count
    assert (pushed.skipped_segments.rows, pushed.skipped_segments.reference_rows) == (
        local.skipped_segments.rows,
        local.skipped_segments.reference_rows,
    )
    listed = {s.segment.text: (s.rows, s.reference_rows, s.reason) for s in local.skipped_segments.listed}
    assert {
        s.segment.text: (s.rows, s.reference_rows, s.reason) for s in pushed.skipped_segments.listed
    } == listed
