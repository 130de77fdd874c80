"""What `monitor` says when the config names something the data does not have: one line,
exit 2, the key path and the closest name (``validate --connect`` and ``check`` alike)."""

from __future__ import annotations

from pathlib import Path

import pytest
from credit_log import CONFIG, make_credit_log, run_monitor, write_credit_db


@pytest.fixture(scope="module")
def credit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("credit-messages")
    write_credit_db(folder / "credit.db", make_credit_log(3000))
    return folder


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("command", [["check", "--dry-run", "--at", "2026-03-08"], ["validate", "--connect"]])
def test_a_wrong_table_is_a_config_mistake_with_a_hint(credit_dir: Path, command: list[str]) -> None:
    config = _write(credit_dir, "typo.yaml", CONFIG.replace("table: applications", "table: aplications"))
    verb, *flags = command
    result = run_monitor(verb, "-c", str(config), *flags)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if "aplications" in line]
    assert "monitors.credit-default.source.table" in line and "did you mean 'applications'?" in line


def test_a_wrong_labels_table_names_the_target_key(credit_dir: Path) -> None:
    config = _write(credit_dir, "labels.yaml", CONFIG.replace("table: outcomes", "table: outcome"))
    result = run_monitor("check", "-c", str(config), "--dry-run", "--at", "2026-03-08")
    assert result.returncode == 2, result.stderr
    assert "monitors.credit-default.target.table" in result.stderr and "'outcomes'" in result.stderr


def test_validate_connect_prints_the_features_check_will_infer(credit_dir: Path) -> None:
    text = CONFIG.split("    features:")[0] + "    prediction:" + CONFIG.split("    prediction:")[1]
    text = text.replace('reference: {start: "2026-01-01", end: "2026-02-01"}', "reference: {previous: 3650d}")
    config = _write(credit_dir, "inferred.yaml", text)
    result = run_monitor("validate", "-c", str(config), "--connect")
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if "inferred features" in line]
    assert "income" in line and "region" in line
    assert "default_score" not in line and "applied_at" not in line  # model and time columns are not features


def test_a_list_of_scores_points_to_multiclass(credit_dir: Path) -> None:
    text = CONFIG.replace("score: default_score", "score: [p_a, p_b]")
    config = _write(credit_dir, "multiclass.yaml", text)
    result = run_monitor("validate", "-c", str(config))
    assert result.returncode == 2
    assert "monitors.credit-default.prediction.score" in result.stderr and "scores:" in result.stderr
