"""A config mistake found by the engine is the config error a local read gives: exit 2 with the
key that names it, whatever words the database has for it."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.compute import evaluate_windows
from monitor.config.models import MonitorConfig
from monitor.errors import ConfigError
from monitor.evaluate import evaluate
from monitor.windows import resolve_windows
from tests.compute.conftest import Place
from tests.compute.data import AT, awkward_log

LOG = awkward_log(300, current_rows=100, seed=5)


def _evaluate(source: dict[str, Any], **sections: Any) -> None:
    document = {"source": source, "reference": {"previous": "1d"}, "window": "1h", **sections}
    monitor = MonitorConfig.model_validate({"features": {"numerical": ["normal"]}, **document})
    evaluate_windows(monitor, resolve_windows(monitor, AT))


def test_a_missing_segment_column_names_segments_by(place: Place) -> None:
    pushed, _ = place.load(LOG)
    with pytest.raises(ConfigError, match="'colur' not found") as raised:
        _evaluate(pushed, segments={"by": ["colur"]})
    assert raised.value.key == "segments.by"


def test_a_missing_table_names_source_table(place: Place) -> None:
    pushed, _ = place.load(LOG)
    if "url" not in pushed:
        pytest.skip("a table of a SQL database")
    with pytest.raises(ConfigError, match="'no_such_log' not found") as raised:
        _evaluate({**pushed, "table": "no_such_log"})
    assert raised.value.key == "source.table"


def test_a_reference_overlapping_the_current_window_is_refused(place: Place) -> None:
    pushed, _ = place.load(LOG)
    document = {
        "source": pushed,
        "features": {"numerical": ["normal"]},
        "reference": {"start": "2026-03-01T00:00:00Z", "end": "2026-03-02T00:30:00Z"},
        "window": "1h",
    }
    result = evaluate("m", MonitorConfig.model_validate(document), AT).result
    assert result.error is not None and "overlaps the current window" in result.error
    assert result.error_exit_code == 2 and result.error.startswith("monitors.m.reference")
