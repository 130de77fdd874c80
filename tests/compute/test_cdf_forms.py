"""Both forms of the CDF statement (values grouped first, or a window over the rows), over
disjoint windows (one scan) and overlapping ones (two), give the exact gap, area and
distinct count numpy gives, on every engine; and the pushdown picks a form by the sample."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from monitor.compute import engine_class
from monitor.compute.choose import pushdown_engine
from monitor.compute.pushdown import Pushdown
from monitor.compute.sql import SqlEngine
from monitor.compute.statements import cdf_gap
from monitor.records.windows import Interval
from monitor.windows import resolve_windows
from tests.compute.conftest import Place
from tests.compute.data import AT, REFERENCE_START
from tests.compute.test_equality import LOGS, monitor_config

CURRENT = Interval(AT - timedelta(hours=1), AT)
DISJOINT = Interval(REFERENCE_START, AT - timedelta(hours=1))
# the reference reaching into the current hour: its rows there count in both windows
OVERLAPPING = Interval(REFERENCE_START, AT - timedelta(minutes=20))


def expected_gap(
    frame: pd.DataFrame, column: str, reference: Interval, current: Interval
) -> tuple[int, int, int, float, int]:
    """n, m, max |k*m - l*n|, sum |k*m - l*n| * (next - x) and the distinct values, by numpy."""

    def values(window: Interval) -> np.ndarray:
        inside = (frame["ts"] >= window.start) & (frame["ts"] < window.end)
        kept = frame.loc[inside, column].to_numpy(dtype=np.float64)
        return kept[np.isfinite(kept)]

    first, second = values(reference), values(current)
    n, m = first.size, second.size
    union = np.unique(np.concatenate([first, second]))
    below_first = np.searchsorted(np.sort(first), union, side="right")
    below_second = np.searchsorted(np.sort(second), union, side="right")
    gaps = np.abs(below_first * m - below_second * n)
    area = float(np.sum(gaps[:-1] * np.diff(union)))
    return n, m, int(gaps.max()), area, int(union.size)


@pytest.mark.parametrize("grouped", [True, False], ids=["grouped", "rows"])
@pytest.mark.parametrize("reference", [DISJOINT, OVERLAPPING], ids=["disjoint", "overlapping"])
@pytest.mark.parametrize("column", ["normal", "ties", "constant", "offset", "small_int"])
def test_cdf_forms_equal_numpy(place: Place, grouped: bool, reference: Interval, column: str) -> None:
    frame = LOGS["large"]
    source, _ = place.load(frame)
    monitor = monitor_config(source)
    name = pushdown_engine(monitor.source)
    assert name is not None
    n, m, largest, area, distinct = expected_gap(frame, column, reference, CURRENT)
    engine = engine_class(name)(monitor.source)
    assert isinstance(engine, SqlEngine)
    with engine:
        spec_reference, spec_current = engine.spec(reference), engine.spec(CURRENT)
        assert spec_reference.disjoint(spec_current) is (reference is DISJOINT)
        row = engine.one(cdf_gap(spec_reference, spec_current, column, n, m, grouped))
    assert int(row[0]) == largest
    assert math.isclose(float(row[1] or 0.0), area, rel_tol=1e-12, abs_tol=1e-300)
    assert int(row[2]) == distinct


def test_sample_picks_grouping_for_repeated_values(place: Place) -> None:
    """Tied and integer columns group first; distinct floats run over the rows."""
    source, _ = place.load(LOGS["large"])
    monitor = monitor_config(source, features={"numerical": ["normal", "ties", "small_int", "sparse"]})
    name = pushdown_engine(monitor.source)
    assert name is not None
    with engine_class(name)(monitor.source) as engine:
        assert isinstance(engine, SqlEngine)
        pushdown = Pushdown(engine, monitor, resolve_windows(monitor, AT))
        pushdown.run()
    assert pushdown.repeating == {"normal": False, "ties": True, "small_int": True, "sparse": False}
