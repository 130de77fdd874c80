"""The ``multivariate_drift`` rule through ``monitor check``: it fires on a joint shift that no
single column shows (two features whose correlation flips, each keeping its distribution),
stays silent on a clean window, and its alert reaches a real webhook receiver."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pytest_httpserver import HTTPServer

from tests.cli_in_process import monitor_in_process

FLIP = pd.Timestamp("2026-03-15")  # from this day on, x and y move against each other
CLEAN_AT = "2026-03-14T00:00:00Z"  # the window 2026-03-13: after the reference, before the flip
FLIPPED_AT = "2026-03-18T00:00:00Z"  # the window 2026-03-17: after it

CONFIG = """
channels:
  hook: {{type: webhook, url: "{url}", retry: {{initial: 1s, max_age: 1s}}}}
monitors:
  pairs:
    source: {{url: "sqlite:///pairs.db", table: scores, timestamp: at}}
    features: {{numerical: [x, y, z], categorical: [segment]}}
    reference: {{start: "2026-02-26", end: "2026-03-13"}}  # the first 15 days, all before the flip
    window: 1d
    drift:
      multivariate: {{method: {method}}}
    alerts:
      - {{rule: dataset_drift}}
      - {{rule: column_drift}}
      - {{rule: multivariate_drift, channels: [hook]}}
store: "sqlite:///state.db"
"""


def write_pairs(path: Path, days: int = 20, per_day: int = 1500) -> None:
    """x, y standard normal with correlation +0.9, then -0.9 from FLIP; z and segment independent."""
    generator = np.random.default_rng(7)
    start = FLIP - pd.Timedelta(days=days - 3)
    frames = []
    for day in range(days):
        at = start + pd.Timedelta(days=day)
        sign = -1.0 if at >= FLIP else 1.0
        x = generator.standard_normal(per_day)
        y = sign * 0.9 * x + np.sqrt(1 - 0.81) * generator.standard_normal(per_day)
        frames.append(
            pd.DataFrame(
                {
                    "at": (
                        at + pd.to_timedelta(np.sort(generator.uniform(0, 86_399, per_day)), unit="s")
                    ).strftime("%Y-%m-%dT%H:%M:%S"),
                    "x": x,
                    "y": y,
                    "z": generator.standard_normal(per_day),
                    "segment": generator.choice(
                        ["retail", "business", "private"], per_day, p=[0.6, 0.3, 0.1]
                    ),
                }
            )
        )
    with sqlite3.connect(path) as connection:
        pd.concat(frames).to_sql("scores", connection, index=False)


@pytest.fixture(scope="module")
def pairs_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pairs")
    write_pairs(folder / "pairs.db")
    return folder / "pairs.db"


def run_check(folder: Path, at: str) -> tuple[int, dict[str, Any]]:
    completed = monitor_in_process("check", "-c", str(folder / "monitor.yaml"), "--json", "--at", at)
    assert "Traceback" not in completed.stderr
    return completed.returncode, json.loads(completed.stdout)["monitors"][0]


@pytest.mark.parametrize("method", ["pca_reconstruction", "domain_classifier"])
def test_a_correlation_flip_fires_multivariate_drift_and_no_column_drift(
    method: str, pairs_db: Path, tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    (tmp_path / "pairs.db").symlink_to(pairs_db)
    (tmp_path / "monitor.yaml").write_text(CONFIG.format(url=httpserver.url_for("/hook"), method=method))

    code, clean = run_check(tmp_path, CLEAN_AT)
    assert code == 0, clean
    assert clean["drift"]["multivariate"]["method"] == method
    assert clean["drift"]["multivariate"]["drifted"] is False
    assert clean["alerts"] == [] and httpserver.log == []

    code, flipped = run_check(tmp_path, FLIPPED_AT)
    assert code == 1
    multivariate = flipped["drift"]["multivariate"]
    assert multivariate["drifted"] is True
    assert multivariate["score"] > multivariate["threshold"] > clean["drift"]["multivariate"]["score"]
    # no single column tells: each keeps its own distribution
    assert [c["column"] for c in flipped["drift"]["columns"] if c["drifted"]] == []
    assert flipped["drift"]["dataset_drift"] is False
    assert [(a["rule"], a["subject"], a["status"]) for a in flipped["alerts"]] == [
        ("multivariate_drift", "pairs", "firing")
    ]
    assert len(httpserver.log) == 1
    payload = json.loads(httpserver.log[0][0].data)
    assert (payload["rule"], payload["subject"], payload["status"]) == (
        "multivariate_drift",
        "pairs",
        "firing",
    )
    assert payload["value"] == pytest.approx(multivariate["score"])
    assert payload["threshold"] == pytest.approx(multivariate["threshold"])
    assert f"multivariate drift detected ({method}" in payload["summary"]


def test_the_reference_fit_is_kept_in_the_store_and_reused(pairs_db: Path, tmp_path: Path) -> None:
    (tmp_path / "pairs.db").symlink_to(pairs_db)
    config = CONFIG.format(url="http://127.0.0.1:9/unused", method="pca_reconstruction")
    (tmp_path / "monitor.yaml").write_text(config.replace(", channels: [hook]", ""))

    def check(at: str) -> tuple[dict[str, Any], str]:
        completed = monitor_in_process(
            "check", "-c", str(tmp_path / "monitor.yaml"), "--json", "--log-level", "DEBUG", "--at", at
        )
        assert completed.returncode in (0, 1), completed.stderr
        return json.loads(completed.stdout)["monitors"][0]["drift"]["multivariate"], completed.stderr

    first, first_log = check(CLEAN_AT)
    assert "came from the cache" not in first_log
    with sqlite3.connect(tmp_path / "state.db") as connection:
        kinds = connection.execute("SELECT monitor, kind FROM monitor_cache").fetchall()
    assert kinds == [("pairs", "pca_reconstruction")]
    # the same reference, a later window: the fit is read back, not refitted
    second, second_log = check(FLIPPED_AT)
    assert "came from the cache" in second_log
    assert second["threshold"] == first["threshold"] and second["drifted"] is True
