"""The drift statements of all columns asked for together (docs/reference.md, "Where the statistics
are computed"): Spark does so; every engine's batched statements equal ``local`` to 1e-9, and
their number does not grow with the columns."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import pytest

from monitor.compute import WindowStatistics, engine_class
from monitor.compute.choose import pushdown_engine
from monitor.compute.dialects import DIALECTS
from monitor.windows import resolve_windows
from tests.compute.conftest import Place
from tests.compute.data import AT, CATEGORICAL, NUMERICAL, awkward_log
from tests.compute.test_equality import LOGS, assert_equal, monitor_config

# one method per column, so one check runs every batched statement: CDF gaps (ks, wasserstein),
# histograms (binned jensenshannon, hellinger), value counts (psi and kl_div on few values, and
# the categorical methods), distinct counts (hellinger, jensenshannon)
MIXED = {
    "normal": "ks",
    "ties": "wasserstein",
    "constant": "psi",
    "offset": "hellinger",
    "sparse": "jensenshannon",
    "small_int": "kl_div",
    "colour": "chisquare",
    "flag": "z",
    "level": "hellinger",
}
SECTIONS: dict[str, dict[str, Any]] = {
    "mixed": {"drift": {"columns": {column: {"method": method} for column, method in MIXED.items()}}},
    "auto": {},
}


def evaluate(
    source: dict[str, Any], sections: dict[str, Any], batched: bool, local: bool = False
) -> WindowStatistics:
    monitor = monitor_config(source, **sections)
    name = "local" if local else pushdown_engine(monitor.source)
    assert name is not None
    with engine_class(name)(monitor.source) as engine:
        if batched:  # as Spark asks (the other engines' own dialects do not)
            engine.dialect = dataclasses.replace(engine.dialect, batch_columns=True)
        return engine.evaluate(monitor, resolve_windows(monitor, AT))


def test_spark_batches_and_the_others_do_not() -> None:
    assert [name for name, dialect in DIALECTS.items() if dialect.batch_columns] == ["spark"]


@pytest.mark.parametrize("log", ["large", "small"])
@pytest.mark.parametrize("methods", ["mixed", "auto"])
def test_batched_statements_equal_local(place: Place, log: str, methods: str) -> None:
    if place.engine == "spark" and methods == "auto":
        pytest.skip("Spark's own method auto runs in test_equality.py on both logs")
    pushed_source, local_source = place.load(LOGS[log])
    sections = {
        "features": {"numerical": NUMERICAL, "categorical": CATEGORICAL},
        "prediction": {"column": "label", "score": "score"},
        **SECTIONS[methods],
    }
    # Spark batches as it is; the other engines are made to
    pushed = evaluate(pushed_source, sections, batched=place.engine != "spark")
    expected = evaluate(local_source, sections, batched=False, local=True)
    assert (pushed.engine, expected.engine) == (place.engine, "local")
    assert pushed.drift is not None and expected.drift is not None
    if methods == "mixed":
        assert {c.column: c.method for c in pushed.drift.columns} == MIXED
    assert_equal(pushed, expected)


def test_statements_do_not_grow_with_columns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Batched, 9 more columns with the same methods add only their CDF statements (ks and
    wasserstein: 2), asked side by side; one statement per column, they add more."""
    pytest.importorskip("duckdb", reason="duckdb is not installed (pip install 'model-monitor[duckdb]')")
    frame = awkward_log(1500)
    for column in MIXED:
        frame[f"{column}_copy"] = frame[column]
    frame.to_parquet(tmp_path / "log.parquet", index=False)
    source = {"path": str(tmp_path / "log.parquet"), "timestamp": "ts", "compute": "pushdown"}
    counts = {}
    for batched in (True, False):
        for copies in ((), ("_copy",)):
            methods = {f"{c}{suffix}": m for c, m in MIXED.items() for suffix in ("", *copies)}
            features = {
                "numerical": [c for c in methods if c.removesuffix("_copy") in NUMERICAL],
                "categorical": [c for c in methods if c.removesuffix("_copy") in CATEGORICAL],
            }
            drift = {"columns": {column: {"method": method} for column, method in methods.items()}}
            caplog.clear()
            with caplog.at_level(logging.DEBUG, logger="monitor.compute.sql"):
                result = evaluate(source, {"features": features, "drift": drift}, batched)
            assert result.drift is not None and len(result.drift.columns) == len(methods)
            counts[batched, len(methods)] = len(caplog.records)
    assert counts[True, 18] == counts[True, 9] + 2
    assert counts[False, 18] - counts[False, 9] > 2
    assert counts[False, 9] > counts[True, 9]
