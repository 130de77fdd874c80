"""Segments pushed down (``GROUP BY`` the segment columns, then each segment's statements over
its rows) equal the local segments to 1e-9: the same segments chosen and skipped, and per
segment every drift score, the prediction drift, the performance and missing shares."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from monitor.config.models import MonitorConfig
from monitor.evaluate import evaluate
from monitor.records.result import MonitorResult
from tests.compute.conftest import Place
from tests.compute.data import AT, REFERENCE_START, awkward_log
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


def _shops(counts: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """``counts[shop]`` = (reference rows, current rows), each shop's rows together, in the
    order of ``counts``."""
    shops = [shop for shop, (reference, _) in counts.items() for _ in range(reference)]
    shops += [shop for shop, (_, current) in counts.items() for _ in range(current)]
    reference_rows = sum(reference for reference, _ in counts.values())
    current_rows = len(shops) - reference_rows
    times = [pd.Timestamp(REFERENCE_START) + pd.Timedelta(seconds=60 * i) for i in range(reference_rows)]
    times += [pd.Timestamp(AT) - pd.Timedelta(hours=1) + pd.Timedelta(seconds=i) for i in range(current_rows)]
    rng = np.random.default_rng(5)
    return pd.DataFrame({"ts": times, "shop": shops, "normal": rng.normal(size=len(shops))})


def test_segments_of_equal_size_are_taken_by_name_by_every_engine(place: Place) -> None:
    """Three shops tie on 30 current rows; the rows come zeta first, alpha last. Both
    computations take the largest (mid), then the tied ones by name, whatever the rows' order."""
    log = _shops({"zeta": (50, 30), "mid": (50, 40), "beta": (50, 30), "alpha": (50, 30)})
    sections = {
        "features": {"numerical": ["normal"]},
        "segments": {"by": ["shop"], "top": 2, "min_rows": 10},
        "reference": {"previous": "1d"},
        "window": "1h",
    }
    for source in place.load(log):
        result = evaluate("m", MonitorConfig.model_validate({"source": source, **sections}), AT).result
        assert result.error is None, result.error
        assert [s.segment.text for s in result.segments if s.segment] == ["shop=mid", "shop=alpha"]
        assert result.skipped_segments is not None
        assert [s.segment.text for s in result.skipped_segments.listed] == ["shop=beta", "shop=zeta"]


def test_an_empty_current_window_counts_the_reference_segments_as_skipped(
    place: Place, caplog: pytest.LogCaptureFixture
) -> None:
    """No segment is checked, but those the reference holds are skipped (``min_rows``) and
    counted, computed locally as pushed down; both warn that the window is empty."""
    later = AT + timedelta(days=1)  # the reference (the day before) holds the log's last hour
    results = []
    for source in place.load(LOG):
        monitor = MonitorConfig.model_validate(
            {"source": source, "segments": {"by": ["colour"], "top": 3, "min_rows": 40}, **SECTIONS}
        )
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="monitor.evaluate"):
            result = evaluate("m", monitor, later).result
        assert result.error is None, result.error
        assert "m: no rows in the window" in caplog.text
        results.append(result)
    pushed, local = results
    assert (local.rows, pushed.rows) == (0, 0) and local.reference_rows == pushed.reference_rows > 0
    assert local.segments == pushed.segments == ()
    assert local.skipped_segments is not None and local.skipped_segments == pushed.skipped_segments
    assert local.skipped_segments.reference_rows == local.reference_rows
    assert {s.reason for s in local.skipped_segments.listed} == {"min_rows"}
