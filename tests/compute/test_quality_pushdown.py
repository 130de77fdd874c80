"""The data-quality figures pushed down equal ``compute: local`` to 1e-9: volume, new categories,
out-of-range shares (the reference's range and ``bounds:``), duplicate keys, the target's
presence, each segment's, on an awkward log (ties, NaN/±inf/NULL, categories unseen in the
reference, keys repeated and NULL), with an empty current window and an empty reference; and
the rules fire alike in ``monitor check --json``."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from monitor.config.models import MonitorConfig
from monitor.evaluate import evaluate
from tests.compute.conftest import Place
from tests.compute.data import AT, REFERENCE_START
from tests.compute.test_multiclass_pushdown import assert_same_document

REFERENCE_END = AT - timedelta(hours=1)


def quality_log(reference_rows: int = 500, current_rows: int = 180, seed: int = 13) -> pd.DataFrame:
    """Numbers with ties, NaN and ±inf that leave the reference's range now; an integer column
    judged by ``bounds:``; a column empty now; text categories with NULLs and two unseen now
    (in different numbers, so the examples quoted are in one order); an integer category
    unseen now; keys repeated in both windows, some with a NaN batch or a NULL shop."""
    rng = np.random.default_rng(seed)
    size = reference_rows + current_rows
    reference = pd.Timestamp(REFERENCE_START) + pd.to_timedelta(
        np.sort(rng.integers(0, 86399, reference_rows)), "s"
    )
    current = pd.Timestamp(REFERENCE_END) + pd.to_timedelta(np.sort(rng.integers(0, 3600, current_rows)), "s")
    times = np.concatenate([reference.values, current.values])  # naive UTC
    now = np.r_[np.zeros(reference_rows, dtype=bool), np.ones(current_rows, dtype=bool)]
    amount = np.round(rng.normal(size=size) * 10 + now * 20, 0)  # ties, and beyond the reference's max now
    amount[rng.choice(size, 10, replace=False)] = np.nan
    amount[rng.choice(size, 4, replace=False)] = np.inf
    amount[rng.choice(size, 3, replace=False)] = -np.inf
    quantity = rng.integers(0, 21, size) + now * rng.integers(0, 6, size)  # 21..25 now; bounds [0, 22]
    gone = rng.exponential(size=size)
    gone[now] = np.nan
    colour = rng.choice(["red", "green", "blue"], size).astype(object)
    colour[now & (rng.random(size) < 0.15)] = "violet"
    colour[now & (rng.random(size) < 0.04)] = "teal"
    colour[rng.choice(size, 12, replace=False)] = None
    level = rng.integers(0, 4, size) + now * (rng.random(size) < 0.1) * (4 - rng.integers(0, 4, size))
    transaction = rng.integers(0, int(size * 0.4), size)
    batch = rng.choice([1.0, 2.0, np.nan], size)  # NaN keys equal each other, as in pandas
    shop = rng.choice(["north", "south"], size).astype(object)
    shop[rng.random(size) < 0.3] = None
    return pd.DataFrame(
        {
            "ts": pd.DatetimeIndex(times).tz_localize("UTC"),
            "amount": amount,
            "quantity": quantity.astype(np.int64),
            "gone": gone,
            "colour": colour,
            "level": level.astype(np.int64),
            "transaction": transaction.astype(np.int64),
            "batch": batch,
            "shop": shop,
            "region": rng.choice(["east", "west"], size),
        }
    )


LOG = quality_log()
RULES: list[dict[str, Any]] = [
    {"rule": "volume", "min_ratio": 0.5},
    {"rule": "schema"},
    {"rule": "new_categories", "max_share": 0.01},
    {"rule": "out_of_range", "max_share": 0.01, "bounds": {"quantity": [0, 22]}},
    {"rule": "duplicates", "key": ["transaction", "batch"]},
    {"rule": "freshness", "max_age": "2h"},
]
FEATURES = {"numerical": ["amount", "quantity", "gone"], "categorical": ["colour", "level"]}
CASES: dict[str, dict[str, Any]] = {
    "configured": {"features": FEATURES, "alerts": RULES},
    # inferred features: the key columns are no features, as locally
    "inferred": {
        "alerts": [
            {"rule": "new_categories"},
            {"rule": "out_of_range"},
            {"rule": "duplicates", "key": ["shop"]},
        ]
    },
    "segments": {
        "features": FEATURES,
        "alerts": RULES,
        "segments": {"by": ["region"], "top": 2, "min_rows": 20},
    },
    "empty_current": {"features": FEATURES, "alerts": RULES, "at": AT + timedelta(hours=2)},
    "empty_reference": {
        "features": FEATURES,
        "alerts": RULES,
        "reference": {"start": "2026-02-01T00:00:00Z", "end": "2026-02-02T00:00:00Z"},
    },
}


def run(source: dict[str, Any], case: str) -> dict[str, Any]:
    sections = dict(CASES[case])
    at = sections.pop("at", AT)
    document = {"source": source, "reference": {"previous": "1d"}, "window": "1h", **sections}
    result = evaluate("m", MonitorConfig.model_validate(document), at).result
    assert result.error is None, result.error
    return result.to_dict()


@pytest.mark.parametrize("case", list(CASES))
def test_data_quality_pushed_down_equals_local(place: Place, case: str) -> None:
    if place.engine == "spark" and case != "configured":
        pytest.skip("Spark: one data-quality case (each Spark statement costs seconds)")
    pushed_source, local_source = place.load(LOG)
    pushed, local = run(pushed_source, case), run(local_source, case)
    assert pushed["compute"] == place.engine and local["compute"] == "local"
    assert_same_document(pushed, local)
    quality = local["data_quality"]
    assert quality["volume"] is not None
    if case in ("configured", "segments"):  # what the log is built to show, so the equality covers it
        shares = {c["column"]: c for c in quality["columns"]}
        assert shares["colour"]["new_category_share"] > 0.1 and shares["level"]["new_category_share"] > 0
        assert shares["amount"]["out_of_range_share"] > 0 and shares["quantity"]["out_of_range_share"] > 0
        assert shares["gone"]["out_of_range_share"] == 0.0
        assert quality["duplicates"]["share"] > 0
        now = LOG[LOG["ts"] >= REFERENCE_END]
        assert now.loc[now.duplicated(["transaction", "batch"]), "batch"].isna().any()  # NaN keys repeat
    if case == "segments":
        assert len(local["segments"]) == 2


def _frequencies(examples: tuple[str, ...], texts: pd.Series) -> list[int]:
    """How often each quoted example occurs among the offending values (as text), in order."""
    counts = texts.value_counts()
    return sorted((int(counts[example]) for example in examples), reverse=True)


def test_examples_quoted_by_the_rules_are_the_most_frequent_as_locally(place: Place) -> None:
    """The new categories, values out of range and repeated keys alert messages quote: the most
    frequent, as locally (among equally frequent ones either may be quoted)."""
    if place.engine == "spark":
        pytest.skip("Spark: the figures are compared above (each Spark statement costs seconds)")
    pushed_source, local_source = place.load(LOG)
    document = {"reference": {"previous": "1d"}, "window": "1h", **CASES["configured"]}
    pushed, local = (
        evaluate("m", MonitorConfig.model_validate({**document, "source": source}), AT).result.quality
        for source in (pushed_source, local_source)
    )
    assert pushed.new_categories is not None and local.new_categories is not None
    assert pushed.new_categories["colour"].examples == local.new_categories["colour"].examples
    assert local.new_categories["colour"].examples == ("violet", "teal")
    reference, now = LOG[LOG["ts"] < REFERENCE_END], LOG[LOG["ts"] >= REFERENCE_END]
    assert pushed.out_of_range is not None and local.out_of_range is not None
    finite = reference["amount"][np.isfinite(reference["amount"])]
    for column, (low, high) in (("amount", (finite.min(), finite.max())), ("quantity", (0, 22))):
        values = now[column][(now[column] < low) | (now[column] > high)]
        texts = values.map(lambda value: f"{float(value):.6g}")
        got, want = pushed.out_of_range[column].examples, local.out_of_range[column].examples
        assert len(got) == len(want) > 0 and _frequencies(got, texts) == _frequencies(want, texts), column
    assert pushed.duplicates is not None and local.duplicates is not None
    keys = now.loc[now.duplicated(["transaction", "batch"]), ["transaction", "batch"]]
    texts = keys.astype(str).agg("/".join, axis=1)
    got, want = pushed.duplicates.examples, local.duplicates.examples
    assert len(got) == len(want) > 0 and _frequencies(got, texts) == _frequencies(want, texts)


def test_a_key_column_the_source_lacks_is_the_same_config_error(place: Place) -> None:
    if place.engine == "spark":
        pytest.skip("Spark: the figures are compared above (each Spark statement costs seconds)")
    errors = []
    for source in place.load(LOG):
        document = {
            "source": source,
            "reference": {"previous": "1d"},
            "window": "1h",
            "features": FEATURES,
            "alerts": [{"rule": "duplicates", "key": ["transaction", "till"]}],
        }
        result = evaluate("m", MonitorConfig.model_validate(document), AT).result
        errors.append((result.error, result.error_exit_code))
    assert errors[0] == errors[1]
    assert errors[0][1] == 2 and "'till' not found" in str(errors[0][0])


CONFIG = """
store: sqlite:///state.db
monitors:
{monitors}
"""
MONITOR = """
  {name}:
    source: {{path: "{path}", timestamp: ts, compute: {compute}}}
    features: {features}
    reference: {{previous: 1d}}
    window: 1h
    alerts: {rules}
"""


def test_rules_fire_alike_in_check_json(tmp_path: Path) -> None:
    pytest.importorskip("duckdb", reason="duckdb is not installed (pip install 'model-monitor[duckdb]')")
    path = tmp_path / "log.parquet"
    LOG.to_parquet(path, index=False)
    monitors = "".join(
        MONITOR.format(
            name=name, path=path, compute=compute, features=json.dumps(FEATURES), rules=json.dumps(RULES)
        )
        for name, compute in (("here", "local"), ("there", "pushdown"))
    )
    (tmp_path / "monitor.yaml").write_text(CONFIG.format(monitors=monitors))
    command = [sys.executable, "-m", "monitor.cli", "check", "-c", "monitor.yaml", "--json", "--dry-run"]
    completed = subprocess.run(
        [*command, "--at", AT.isoformat()], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert completed.returncode == 1 and "Traceback" not in completed.stderr, completed.stderr
    found = {m["monitor"]: m for m in json.loads(completed.stdout)["monitors"]}
    here, there = found["here"], found["there"]
    assert (here["compute"], there["compute"]) == ("local", "duckdb")
    firing = {(a["rule"], a["subject"]) for a in here["alerts"] if a["status"] == "firing"}
    assert {
        ("new_categories", "colour"),
        ("out_of_range", "amount"),
        ("duplicates", "transaction,batch"),
    } <= firing
    assert there["alerts"] == here["alerts"]
    there["monitor"] = "here"
    assert_same_document(there, here)
