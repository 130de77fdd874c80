"""Estimated performance under ``compute: pushdown``: CBPE (binary and multiclass, also per
segment) equals ``compute: local`` to 1e-9 on every engine, the engine computing every other
figure and the estimate made from the prediction columns read alone (a ``spark:`` source's
through Spark); DLE, which learns from every feature's values, is refused under ``pushdown``
(exit 2) and computed locally under ``auto``."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.config.models import MonitorConfig
from monitor.evaluate import evaluate
from tests.compute.conftest import Place
from tests.compute.data import AT, awkward_log
from tests.compute.test_multiclass_pushdown import ANIMAL_SCORES, LOGS, assert_same_document, run

BINARY_LOG = awkward_log(800, current_rows=200, seed=13)
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "binary": (
        "binary",
        {
            "features": {"numerical": ["normal"], "categorical": ["colour"]},
            "prediction": {"column": "label", "score": "score"},
            "target": {"column": "target"},
            "estimation": {"method": "cbpe"},
        },
    ),
    "multiclass_segments": (
        "animals",
        {
            "features": {"categorical": ["region"]},
            "prediction": {"column": "guess", "scores": ANIMAL_SCORES},
            "target": {"column": "animal"},
            "estimation": {"method": "cbpe", "metrics": ["roc_auc", "accuracy", "f1"]},
            "segments": {"by": ["region"], "top": 2, "min_rows": 40},
        },
    ),
}


def estimates(document: dict[str, Any]) -> list[float | None]:
    return [m["estimate"] for m in document["estimated_performance"]["metrics"]]


@pytest.mark.parametrize("case", list(CASES))
def test_cbpe_pushed_down_equals_local(place: Place, case: str) -> None:
    log, sections = CASES[case]
    pushed_source, local_source = place.load(BINARY_LOG if log == "binary" else LOGS[log])
    pushed, local = run(pushed_source, sections), run(local_source, sections)
    assert pushed["compute"] == place.engine and local["compute"] == "local"
    assert_same_document(pushed, local)
    assert all(value is not None for value in estimates(local))
    for segment in local.get("segments", []):
        assert all(value is not None for value in estimates(segment))


DLE = {
    "features": {"numerical": ["normal", "offset"]},
    "prediction": {"column": "estimate", "task": "regression"},
    "target": {"column": "amount"},
    "estimation": {"method": "dle", "metrics": ["mae"]},
    "reference": {"previous": "1d"},
    "window": "1h",
}


def test_dle_is_refused_under_pushdown_and_computed_locally_under_auto(place: Place) -> None:
    if place.engine not in ("duckdb", "sqlite"):
        pytest.skip("the choice is made before any statement runs: two engines show it")
    pushed_source, _ = place.load(BINARY_LOG)
    refused = evaluate("m", MonitorConfig.model_validate({"source": pushed_source, **DLE}), AT).result
    assert refused.error_exit_code == 2
    assert refused.error is not None and "source.compute" in refused.error and "dle" in refused.error
    auto = {**pushed_source, "compute": "auto", "max_local_rows": 10}
    result = evaluate("m", MonitorConfig.model_validate({"source": auto, **DLE}), AT).result
    assert result.error is None and result.compute == "local"
    assert result.estimated_performance is not None
