"""A multiclass model (``prediction.scores``) pushed down equals ``compute: local`` to 1e-9: every
figure of the run's ``--json`` document (drift, the label's drift, each score column's drift,
accuracy/precision/recall/f1, one-vs-rest roc_auc, log_loss, missing shares, segments), on
awkward logs: classes as text and as numbers, ties in the scores (and in the highest score), a
class absent from the current window, a target outside the classes, NULL targets, labels and
scores, scores outside [0, 1]. scikit-learn is the oracle for roc_auc and log_loss."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import log_loss, roc_auc_score

from monitor.config.models import MonitorConfig
from monitor.evaluate import evaluate
from tests.compute.conftest import Place
from tests.compute.data import AT, REFERENCE_START

ANIMALS = ["cat", "dog", "eel", "fox"]
REFERENCE_END = AT - pd.Timedelta(hours=1)


def _times(rng: np.random.Generator, reference_rows: int, current_rows: int) -> pd.DatetimeIndex:
    reference = REFERENCE_START + pd.to_timedelta(
        np.sort(rng.integers(0, 24 * 3600 - 1, reference_rows)), "s"
    )
    current = REFERENCE_END + pd.to_timedelta(np.sort(rng.integers(0, 3600, current_rows)), "s")
    return pd.DatetimeIndex(np.concatenate([reference.values, current.values])).tz_localize("UTC")


def animal_log(reference_rows: int = 600, current_rows: int = 200, seed: int = 3) -> pd.DataFrame:
    """Classes as text; scores in twentieths that sum to 1 (ties everywhere, also for the highest
    score); no "fox" target in the current window; NULL targets, labels and scores."""
    rng = np.random.default_rng(seed)
    size = reference_rows + current_rows
    probabilities = rng.dirichlet([2.0, 1.5, 1.0, 0.6], size)
    counts = np.array([rng.multinomial(20, row) for row in probabilities])
    scores = counts / 20.0
    truth = np.array([rng.choice(4, p=row) for row in probabilities])
    truth[reference_rows:][truth[reference_rows:] == 3] = 2  # no fox in the current window
    target = np.array(ANIMALS, dtype=object)[truth]
    target[rng.random(size) < 0.05] = None
    predicted = np.array(ANIMALS, dtype=object)[scores.argmax(axis=1)]
    wrong = rng.random(size) < 0.1
    predicted[wrong] = np.array(ANIMALS, dtype=object)[rng.integers(0, 4, int(wrong.sum()))]
    predicted[rng.choice(size, 7, replace=False)] = None
    frame = pd.DataFrame(
        {
            "ts": _times(rng, reference_rows, current_rows),
            "region": rng.choice(["north", "south", "west"], size, p=[0.5, 0.3, 0.2]),
            "animal": target,
            "guess": predicted,
        }
    )
    for index, label in enumerate(ANIMALS):
        frame[f"p_{label}"] = scores[:, index]
    frame.loc[rng.choice(size, 6, replace=False), "p_dog"] = np.nan
    frame.loc[rng.choice(size, 3, replace=False), "p_eel"] = np.nan
    return frame


def number_log(reference_rows: int = 500, current_rows: int = 160, seed: int = 5) -> pd.DataFrame:
    """Classes 0, 1, 2 in a float target (read back as 0.0, 1.0, 2.0); no prediction column (the
    class of the highest score, ties to the first); reference scores above 1 in a few rows (no
    log_loss there) and a target 3, of no class, in the current window (no roc_auc nor log_loss)."""
    rng = np.random.default_rng(seed)
    size = reference_rows + current_rows
    scores = np.round(rng.dirichlet([1.0, 1.0, 1.0], size), 1)
    truth = np.array([rng.choice(3, p=row / row.sum()) if row.sum() else 0 for row in scores], dtype=float)
    truth[rng.random(size) < 0.06] = np.nan
    truth[reference_rows + 5] = 3.0
    scores[rng.choice(reference_rows, 4, replace=False), 1] = 1.5
    frame = pd.DataFrame({"ts": _times(rng, reference_rows, current_rows), "truth": truth})
    frame["region"] = rng.choice(["north", "south"], size)
    for index in range(3):
        frame[f"q{index}"] = scores[:, index]
    frame["pick"] = scores.argmax(axis=1)  # integers, against a float target: matched as text
    frame.loc[rng.choice(size, 4, replace=False), "q2"] = np.nan
    return frame


LOGS = {"animals": animal_log(), "numbers": number_log()}
ANIMAL_SCORES = {label: f"p_{label}" for label in ANIMALS}
SECTIONS: dict[str, dict[str, Any]] = {
    "animals": {
        "features": {"categorical": ["region"]},
        "prediction": {"column": "guess", "scores": ANIMAL_SCORES},
        "target": {"column": "animal"},
    },
    "animals_argmax": {
        "features": {"categorical": ["region"]},
        "prediction": {"scores": ANIMAL_SCORES},
        "target": {"column": "animal"},
        "drift": {"method": "psi", "columns": {"p_cat": {"method": "ks"}}},
    },
    "numbers": {
        "features": {"categorical": ["region"]},
        "prediction": {"scores": {0: "q0", 1: "q1", 2: "q2"}},
        "target": {"column": "truth"},
    },
    "numbers_picked": {
        "features": {"categorical": ["region"]},
        "prediction": {"column": "pick", "scores": {0: "q0", 1: "q1", 2: "q2"}},
        "target": {"column": "truth"},
    },
}


def run(source: dict[str, Any], sections: dict[str, Any]) -> dict[str, Any]:
    document = {"source": source, "reference": {"previous": "1d"}, "window": "1h", **sections}
    result = evaluate("m", MonitorConfig.model_validate(document), AT).result
    assert result.error is None, result.error
    return result.to_dict()


def assert_same_document(got: Any, want: Any, path: str = "") -> None:
    """Equal documents, numbers to 1e-9 relative, but for the engine's name."""
    if isinstance(want, dict):
        assert isinstance(got, dict), path
        skipped = {"compute"}
        assert got.keys() - skipped == want.keys() - skipped, path
        for key in want.keys() - skipped:
            assert_same_document(got[key], want[key], f"{path}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), path
        for index, (left, right) in enumerate(zip(got, want, strict=True)):
            assert_same_document(left, right, f"{path}[{index}]")
    elif isinstance(want, float) and not isinstance(want, bool):
        assert isinstance(got, float), (path, got, want)
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-300), (path, got, want)
    else:
        assert got == want, (path, got, want)


def metrics(document: dict[str, Any]) -> dict[str, tuple[float | None, float | None]]:
    return {m["metric"]: (m["current"], m["reference"]) for m in document["performance"]["metrics"]}


def spark_first_case_only(place: Place, case: str) -> None:
    if place.engine == "spark" and case != "numbers":
        pytest.skip("Spark: one multiclass case (each Spark statement costs seconds)")


@pytest.mark.parametrize("case", ["animals", "animals_argmax", "numbers", "numbers_picked"])
def test_multiclass_pushed_down_equals_local(place: Place, case: str) -> None:
    spark_first_case_only(place, case)
    pushed_source, local_source = place.load(LOGS[case.split("_")[0]])
    pushed, local = run(pushed_source, SECTIONS[case]), run(local_source, SECTIONS[case])
    assert pushed["compute"] == place.engine and local["compute"] == "local"
    assert_same_document(pushed, local)
    # what the logs are built to show, so that the equality above covers it
    found = metrics(local)
    assert {"accuracy", "precision", "recall", "f1"} <= found.keys()
    assert len(local["score_drift"]) == len(SECTIONS[case]["prediction"]["scores"])
    if case.startswith("animals"):
        assert found["roc_auc"][0] is None and found["roc_auc"][1] is not None  # no fox now
        assert found["log_loss"][0] is not None and found["log_loss"][1] is not None
    else:
        assert found["roc_auc"][0] is None and found["roc_auc"][1] is not None  # a target 3 now
        assert "log_loss" not in found  # neither: a target 3 now, scores above 1 in the reference
    assert (local["prediction_drift"] is None) == case.endswith(("argmax", "numbers"))


def _window(frame: pd.DataFrame, start: Any, end: Any) -> pd.DataFrame:
    return frame[(frame["ts"] >= start) & (frame["ts"] < end)]


def test_roc_auc_and_log_loss_equal_scikit_learn(place: Place) -> None:
    """The reference window of the text-labelled log, pushed down, against scikit-learn."""
    if place.engine == "spark":
        pytest.skip("Spark: its equality with local is tested above (each Spark statement costs seconds)")
    pushed_source, _ = place.load(LOGS["animals"])
    found = metrics(run(pushed_source, SECTIONS["animals"]))
    reference = _window(LOGS["animals"], pd.Timestamp(REFERENCE_START), REFERENCE_END)
    columns = [ANIMAL_SCORES[label] for label in ANIMALS]
    rows = reference[reference["animal"].notna() & reference[columns].notna().all(axis=1)]
    probabilities = rows[columns].to_numpy()
    expected_auc = roc_auc_score(rows["animal"], probabilities, multi_class="ovr", labels=ANIMALS)
    assert math.isclose(found["roc_auc"][1] or 0.0, expected_auc, rel_tol=1e-9)
    expected_loss = log_loss(rows["animal"], probabilities, labels=ANIMALS)
    assert math.isclose(found["log_loss"][1] or 0.0, expected_loss, rel_tol=1e-9)


@pytest.mark.parametrize("case", ["animals", "numbers"])
def test_multiclass_segments_pushed_down_equal_local(place: Place, case: str) -> None:
    if place.engine == "spark":
        pytest.skip("Spark: segments are run on the other engines (each Spark statement costs seconds)")
    pushed_source, local_source = place.load(LOGS[case])
    sections = {**SECTIONS[case], "segments": {"by": ["region"], "top": 2, "min_rows": 40}}
    pushed, local = run(pushed_source, sections), run(local_source, sections)
    assert len(local["segments"]) == 2
    assert_same_document(pushed, local)


CONFIG = """
store: sqlite:///state.db
monitors:
  here:
    source: {{path: "{path}", timestamp: ts, compute: local}}
    features: {{categorical: [region]}}
    prediction: {{column: guess, scores: {scores}}}
    target: {{column: animal}}
    reference: {{previous: 1d}}
    window: 1h
  there:
    source: {{path: "{path}", timestamp: ts, compute: auto, max_local_rows: 100}}
    features: {{categorical: [region]}}
    prediction: {{column: guess, scores: {scores}}}
    target: {{column: animal}}
    reference: {{previous: 1d}}
    window: 1h
"""


def test_check_json_auto_past_max_local_rows_pushes_a_multiclass_monitor_down(tmp_path: Path) -> None:
    pytest.importorskip("duckdb", reason="duckdb is not installed (pip install 'model-monitor[duckdb]')")
    path = tmp_path / "log.parquet"
    LOGS["animals"].to_parquet(path, index=False)
    scores = json.dumps(ANIMAL_SCORES)
    (tmp_path / "monitor.yaml").write_text(CONFIG.format(path=path, scores=scores))
    command = [sys.executable, "-m", "monitor.cli", "check", "-c", "monitor.yaml", "--json", "--dry-run"]
    completed = subprocess.run(
        [*command, "--at", AT.isoformat()], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert completed.returncode in (0, 1) and "Traceback" not in completed.stderr, completed.stderr
    monitors = {m["monitor"]: m for m in json.loads(completed.stdout)["monitors"]}
    assert (monitors["here"]["compute"], monitors["there"]["compute"]) == ("local", "duckdb")
    monitors["there"]["monitor"] = "here"
    assert_same_document(monitors["there"], monitors["here"])


@pytest.mark.parametrize("labels_in", ["database", "parquet"])
def test_multiclass_with_a_joined_target_equals_local(tmp_path: Path, labels_in: str) -> None:
    """Labels in the log's database are joined by the engine; labels in a Parquet file beside a
    SQLite log are joined here, the performance computed from the prediction columns read alone."""
    import sqlalchemy as sa

    log = LOGS["animals"].assign(row_id=range(len(LOGS["animals"])))
    labels = log.loc[log["animal"].notna(), ["row_id", "animal"]].sample(frac=0.8, random_state=2)
    url = f"sqlite:///{tmp_path / 'log.db'}"
    database = sa.create_engine(url)
    log.drop(columns=["animal"]).to_sql("predictions", database, index=False)
    labels.to_sql("labels", database, index=False)
    database.dispose()
    labels.to_parquet(tmp_path / "labels.parquet", index=False)
    where = {"table": "labels"} if labels_in == "database" else {"path": str(tmp_path / "labels.parquet")}
    sections = {**SECTIONS["animals"], "target": {"column": "animal", "join_on": "row_id", **where}}
    source = {"url": url, "table": "predictions", "timestamp": "ts"}
    pushed = run({**source, "compute": "pushdown"}, sections)
    local = run({**source, "compute": "local"}, sections)
    assert pushed["compute"] == "sqlite" and {"roc_auc", "log_loss"} <= metrics(local).keys()
    assert_same_document(pushed, local)
    from monitor.sources import dispose_engines

    dispose_engines()
