"""A third-party drift method, installed from tests/plugins/ with pip and found through its
entry point (group ``monitor.drift_methods``) by a fresh ``monitor`` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

PLUGIN = Path(__file__).resolve().parents[1] / "plugins" / "example_drift_method"


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example package installed (its module and dist-info) into a directory of its own."""
    target = tmp_path_factory.mktemp("site")
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
    result = subprocess.run(
        [*command, "--no-index", "--target", str(target), str(PLUGIN)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:  # no setuptools/wheel to build with: install it as pip would lay it out
        _install_by_hand(target)
    assert list(target.glob("*.dist-info/entry_points.txt")), "pip installed no entry point"
    return target


def _install_by_hand(target: Path) -> None:
    module = "monitor_example_drift_method"
    (target / f"{module}.py").write_text((PLUGIN / f"{module}.py").read_text())
    dist_info = target / "monitor_example_drift_method-0.1.0.dist-info"
    dist_info.mkdir(exist_ok=True)
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: monitor-example-drift-method\nVersion: 0.1.0\n"
    )
    (dist_info / "entry_points.txt").write_text(f"[monitor.drift_methods]\nmean_shift = {module}:MeanShift\n")


def _monitor(*args: str, path: Path | None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if path is not None:
        env["PYTHONPATH"] = str(path)
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def _files_monitor(directory: Path, drift: str) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(5)
    times = pd.date_range("2026-01-01", "2026-01-15", freq="15min", inclusive="left")
    shift = np.where(times >= pd.Timestamp("2026-01-08"), 0.8, 0.0)
    log = pd.DataFrame(
        {
            "ts": times.strftime("%Y-%m-%d %H:%M:%S"),
            "amount": rng.normal(10, 2, len(times)) + shift * 2,
            "merchant": rng.choice(["food", "fuel", "games"], len(times)),
        }
    )
    log.to_csv(directory / "log.csv", index=False)
    config = directory / "monitor.yaml"
    config.write_text(
        f"""
store: sqlite:///state.db
monitors:
  shop:
    source: {{path: log.csv, timestamp: ts}}
    features: {{numerical: [amount], categorical: [merchant]}}
    reference: {{start: "2026-01-01", end: "2026-01-08"}}
    window: 7d
    drift: {drift}
"""
    )
    return config, log


def test_validate_lists_the_plugin_loaded_through_its_entry_point(plugin_path: Path) -> None:
    result = _monitor("validate", "--methods", path=plugin_path)
    assert result.returncode == 0, result.stderr
    summary, *lines = result.stdout.splitlines()
    assert "mean_shift" in summary.split(": ", 1)[1].split(", ")
    (line,) = [line for line in lines if line.strip().startswith("mean_shift:")]
    assert "numerical" in line and "0.5" in line and "monitor_example_drift_method" in line
    assert "ks:" in result.stdout and "TVD:" in result.stdout  # the built-ins, registered the same way


def test_a_config_names_the_plugin_like_a_builtin(plugin_path: Path, tmp_path: Path) -> None:
    config, log = _files_monitor(tmp_path, "{method: auto, columns: {amount: {method: mean_shift}}}")
    result = _monitor(
        "check", "-c", str(config), "--at", "2026-01-15T00:00:00Z", "--json", "--dry-run", path=plugin_path
    )
    assert result.returncode in (0, 1), result.stderr
    (document,) = json.loads(result.stdout)["monitors"]
    columns = {column["column"]: column for column in document["drift"]["columns"]}
    amount = columns["amount"]
    times = pd.to_datetime(log["ts"])
    reference = log.loc[times < "2026-01-08", "amount"]
    current = log.loc[times >= "2026-01-08", "amount"]
    expected = abs(current.mean() - reference.mean()) / reference.std(ddof=0)
    assert amount["method"] == "mean_shift"
    assert amount["score"] == pytest.approx(expected, rel=1e-9)
    assert amount["threshold"] == 0.5 and amount["drifted"] is True
    assert columns["merchant"]["method"] in ("chisquare", "jensenshannon")  # auto for the others


def test_a_misspelt_plugin_name_is_a_config_error_with_a_suggestion(
    plugin_path: Path, tmp_path: Path
) -> None:
    config, _ = _files_monitor(tmp_path, "{columns: {amount: {method: mean_shfit}}}")
    result = _monitor("validate", "-c", str(config), path=plugin_path)
    assert result.returncode == 2
    assert "drift" in result.stderr and "did you mean 'mean_shift'" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_the_plugin_installed_its_name_is_unknown(tmp_path: Path) -> None:
    config, _ = _files_monitor(tmp_path, "{method: mean_shift}")
    result = _monitor("validate", "-c", str(config), path=None)
    assert result.returncode == 2
    assert "unknown drift method 'mean_shift'" in result.stderr and "Traceback" not in result.stderr


def test_a_plugin_that_fails_to_load_is_named_and_the_rest_works(tmp_path: Path) -> None:
    dist_info = tmp_path / "broken_method-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-method\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text("[monitor.drift_methods]\nbroken = no_such_module:Broken\n")
    result = _monitor("validate", "--methods", path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "plug-in not loaded: broken = no_such_module:Broken" in result.stdout
    assert "wasserstein:" in result.stdout
