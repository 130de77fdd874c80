"""Per-segment statistics equal the whole-window code run on the segment's rows alone.

The oracle filters each window with a boolean mask first (pandas, not monitor's grouping)
and runs the same statistics; every score, share, metric and data-quality figure of the
segment must match to 1e-12, with NaN values in features, a NULL segment value and
categories the reference never saw.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest

from monitor import stats
from monitor.config.models import MonitorConfig
from monitor.evaluate.frames import Frames
from monitor.evaluate.statistics import compute, performance, prediction_drift
from monitor.records.result import MonitorResult
from monitor.records.segments import Segment, plain_value, segment_of, value_text
from monitor.stats import segments as grouping
from monitor.windows import resolve_windows

AT = datetime(2026, 3, 8, tzinfo=timezone.utc)


def _monitor(
    by: list[str], top: int = 20, min_rows: int = 30, alerts: list[dict[str, Any]] | None = None
) -> MonitorConfig:
    return MonitorConfig.model_validate(
        {
            "source": {"url": "sqlite:///unused.db", "table": "t", "timestamp": "ts", "compute": "local"},
            "features": {"numerical": ["amount", "age"], "categorical": ["merchant", "flag"]},
            "prediction": {"column": "pred", "score": "score"},
            "target": {"column": "label"},
            "reference": {"previous": "30d"},
            "window": "7d",
            "segments": {"by": by, "top": top, "min_rows": min_rows},
            "alerts": alerts
            if alerts is not None
            else [
                {"rule": "new_categories"},
                {"rule": "out_of_range"},
                {"rule": "duplicates", "key": ["id"]},
                {"rule": "missing_values"},
            ],
        }
    )


def _frame(rng: np.random.Generator, rows: int, *, current: bool) -> pd.DataFrame:
    country = rng.choice(np.array(["DE", "FR", "US", None], dtype=object), size=rows, p=[0.4, 0.3, 0.2, 0.1])
    merchants = (
        ["food", "travel", "games", "fuel", "crypto"] if current else ["food", "travel", "games", "fuel"]
    )
    amount = rng.lognormal(3, 0.7, size=rows) * (1.3 if current else 1.0)
    amount[rng.uniform(size=rows) < 0.07] = np.nan  # missing values in a numerical feature
    merchant = rng.choice(np.array(merchants, dtype=object), size=rows)
    merchant[rng.uniform(size=rows) < 0.05] = None
    score = rng.uniform(size=rows)
    pred = (score > 0.5).astype(int)
    return pd.DataFrame(
        {
            "ts": pd.date_range(AT - timedelta(days=6), periods=rows, freq="1min", tz="UTC"),
            "id": rng.integers(0, rows, size=rows),
            "country": country,
            "channel": rng.choice(np.array(["web", "app"], dtype=object), size=rows),
            "amount": amount,
            "age": rng.integers(18, 90, size=rows).astype(float),
            "merchant": merchant,
            "flag": rng.choice([True, False], size=rows),
            "score": score,
            "pred": pred,
            "label": np.where(rng.uniform(size=rows) < 0.85, pred, 1 - pred),
        }
    )


@pytest.fixture(scope="module")
def frames() -> Frames:
    rng = np.random.default_rng(7)
    return Frames(_frame(rng, 3000, current=False), _frame(rng, 2000, current=True))


def _mask(frame: pd.DataFrame, segment: Segment) -> pd.Series:
    keep = pd.Series(True, index=frame.index)
    for column, value in zip(segment.columns, segment.values, strict=True):
        keep &= frame[column].isna() if value is None else frame[column] == value
    return keep


def _close(first: float | None, second: float | None) -> bool:
    if first is None or second is None:
        return first is second
    if math.isnan(first) or math.isnan(second):
        return math.isnan(first) and math.isnan(second)
    return math.isclose(first, second, rel_tol=1e-12, abs_tol=1e-15)


def _whole(monitor: MonitorConfig, frames: Frames) -> MonitorResult:
    windows = resolve_windows(monitor, AT)
    return compute(monitor, MonitorResult("m", windows, drift_share_threshold=monitor.drift.share), frames)


@pytest.mark.parametrize("by", [["country"], ["country", "channel"]])
def test_segment_statistics_equal_the_filtered_windows(frames: Frames, by: list[str]) -> None:
    monitor = _monitor(by)
    result = _whole(monitor, frames)
    assert result.segments, "no segment was checked"
    assert any(None in s.segment.values for s in result.segments if s.segment)  # the NULL segment is one
    for checked in result.segments:
        segment = checked.segment
        assert segment is not None
        reference = frames.reference[_mask(frames.reference, segment)]
        current = frames.current[_mask(frames.current, segment)]
        assert (checked.rows, checked.reference_rows) == (len(current), len(reference))
        numerical, categorical = list(result.numerical), list(result.categorical)
        oracle = stats.dataset_drift(reference, current, numerical, categorical, monitor.drift)
        assert checked.drift is not None
        assert _close(checked.drift.share, oracle.share)
        for mine, theirs in zip(checked.drift.columns, oracle.columns, strict=True):
            assert (mine.column, mine.method, mine.drifted) == (theirs.column, theirs.method, theirs.drifted)
            assert _close(mine.score, theirs.score), (segment.text, mine.column, mine.score, theirs.score)
        predicted = prediction_drift(monitor, reference, current)
        assert checked.prediction_drift is not None and _close(
            checked.prediction_drift.score, predicted.score
        )
        realized = performance(monitor, reference, current)
        assert checked.performance is not None and realized is not None
        for mine_metric, their_metric in zip(checked.performance.metrics, realized.metrics, strict=True):
            assert _close(mine_metric.current, their_metric.current)
            assert _close(mine_metric.reference, their_metric.reference)
        missing = stats.missing_shares(current, [*numerical, *categorical, "pred", "score"])
        assert dict(checked.missing) == missing
        new = checked.quality.new_categories or {}
        assert new["merchant"].share == pytest.approx((current["merchant"] == "crypto").mean(), rel=1e-12)
        assert new["merchant"].share > 0  # the unseen category is seen per segment too
        assert checked.quality.duplicates is not None
        assert _close(checked.quality.duplicates.share, float(current["id"].duplicated(keep="first").mean()))


def test_the_largest_segments_are_checked_the_rest_listed(frames: Frames) -> None:
    result = _whole(_monitor(["country", "channel"], top=3, min_rows=150), frames)
    counts = frames.current.groupby(["country", "channel"], dropna=False).size()
    reference_counts = frames.reference.groupby(["country", "channel"], dropna=False).size()
    assert [s.rows for s in result.segments] == sorted(counts, reverse=True)[:3]
    skipped = result.skipped_segments
    assert skipped is not None
    assert skipped.count == len(counts) - 3
    assert skipped.rows + sum(s.rows for s in result.segments) == len(frames.current)
    assert skipped.reference_rows + sum(s.reference_rows for s in result.segments) == len(frames.reference)
    reasons = {s.segment.text: s.reason for s in skipped.listed}
    for entry in skipped.listed:
        key = tuple(np.nan if v is None else v for v in entry.segment.values)
        small = counts.get(key, 0) < 150 or reference_counts.get(key, 0) < 150
        assert reasons[entry.segment.text] == ("min_rows" if small else "top")


def test_a_segment_missing_from_the_current_window_is_listed() -> None:
    reference = pd.DataFrame({"g": ["a"] * 5 + ["b"] * 5})
    current = pd.DataFrame({"g": ["a"] * 6})
    selection = grouping.select(grouping.group(reference, current, ["g"]), top=5, min_rows=3)
    assert [s.text for s in selection.segments] == ["g=a"]
    assert selection.current_rows[0].tolist() == list(range(6))
    assert [(s.segment.text, s.rows, s.reference_rows) for s in selection.skipped.listed] == [("g=b", 0, 5)]


def test_segment_names_cannot_be_misread() -> None:
    assert Segment(("country", "channel"), ("DE", "web")).text == "country=DE,channel=web"
    assert Segment(("country",), (None,)).text == "country=null"
    assert Segment(("country",), ("null",)).text == 'country="null"'
    assert Segment(("c",), ("a,b=c/d",)).subject("amount") == 'c="a,b=c/d"/amount'
    assert Segment(("v",), (3,)).text == "v=3" and Segment(("f",), (True,)).text == "f=true"
    assert value_text("") == '""' and value_text("line\nbreak") == '"line\\nbreak"'
    assert segment_of('c="a/b"/amount') == 'c="a/b"' and segment_of("country=DE") == "country=DE"
    assert segment_of("amount") == "" and segment_of("transaction_id,order_id") == ""
    assert segment_of("country=DE,channel=web/amount") == "country=DE,channel=web"
    assert (
        plain_value(np.float64("nan")) is None
        and plain_value(np.int64(4)) == 4
        and plain_value(pd.NA) is None
    )


@pytest.mark.parametrize("value", ["DE", None])
def test_segment_drift_scores_match_evidently_on_the_segment_rows(frames: Frames, value: str | None) -> None:
    """Evidently 0.7's DataDriftPreset on the filtered rows is the oracle: DE (a reference over
    1,000 rows: Wasserstein and Jensen-Shannon) and the NULL segment (under 1,000: KS,
    chi-square, Z), with NaN amounts, missing merchants and a category new in the window."""
    pytest.importorskip("evidently")
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    result = _whole(_monitor(["country"]), frames)
    segment = Segment(("country",), (value,))
    (checked,) = [s for s in result.segments if s.segment == segment]
    reference = frames.reference[_mask(frames.reference, segment)].reset_index(drop=True)
    current = frames.current[_mask(frames.current, segment)].reset_index(drop=True)
    numerical, categorical = list(result.numerical), list(result.categorical)
    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    columns = [*numerical, *categorical]
    snapshot = Report([DataDriftPreset(columns=columns)]).run(
        current_data=Dataset.from_pandas(current[columns], data_definition=definition),
        reference_data=Dataset.from_pandas(reference[columns], data_definition=definition),
    )
    theirs = {
        m["config"]["column"]: m["value"]
        for m in snapshot.dict()["metrics"]
        if m["config"]["type"].endswith(":ValueDrift")
    }
    assert checked.drift is not None
    assert {c.column for c in checked.drift.columns} == set(theirs)
    for column in checked.drift.columns:
        assert column.score is not None
        assert math.isclose(column.score, theirs[column.column], rel_tol=1e-9, abs_tol=1e-12), (
            value,
            column.column,
            column.method,
            column.score,
            theirs[column.column],
        )
    methods = {c.method for c in checked.drift.columns}
    assert methods == ({"wasserstein", "jensenshannon"} if value else {"ks", "chisquare", "z"})
