"""``monitor check`` through the real command: -m, --at, --json, the table, exit codes, a failing
source among healthy ones, and features inferred the way Evidently infers them."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from credit_log import CONFIG, make_credit_log, run_monitor, write_credit_db
from pytest_httpserver import HTTPServer

AFTER_DRIFT = "2026-03-08T00:00:00Z"
BEFORE_DRIFT = "2026-02-15"

INFERRED = """
  inferred:
    source: {url: "sqlite:///credit.db", table: applications, timestamp: applied_at}
    prediction: {column: default_pred, score: default_score}
    target: {column: defaulted, table: outcomes, join_on: application_id}
    reference: {previous: 14d}
    window: 7d
  broken:
    source: {url: "sqlite:///archive/credit.db", table: applications, timestamp: applied_at}
    reference: {previous: 14d}
    window: 7d
"""


@pytest.fixture(scope="module")
def credit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("credit-check")
    write_credit_db(folder / "credit.db", make_credit_log(6000))
    (folder / "monitor.yaml").write_text(CONFIG + INFERRED)
    return folder


def _check(folder: Path, *args: str) -> tuple[int, str, str]:
    result = run_monitor("check", "-c", str(folder / "monitor.yaml"), *args)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout, result.stderr


def _by_name(stdout: str) -> dict[str, dict[str, Any]]:
    return {monitor["monitor"]: monitor for monitor in json.loads(stdout)["monitors"]}


def test_failing_source_reports_its_error_and_the_others_still_run(credit_dir: Path) -> None:
    code, stdout, stderr = _check(credit_dir, "--json", "--dry-run", "--at", AFTER_DRIFT)
    monitors = _by_name(stdout)
    assert list(monitors) == ["credit-default", "inferred", "broken"]
    assert code == 3  # a source could not be reached
    assert "archive/credit.db" in monitors["broken"]["error"]
    assert monitors["broken"]["drift"] is None and monitors["broken"]["performance"] is None
    for healthy in ("credit-default", "inferred"):
        assert monitors[healthy]["error"] is None
        assert monitors[healthy]["window"]["rows"] > 0 and monitors[healthy]["drift"]["columns"]
    errors = [line for line in stderr.splitlines() if line.startswith("monitor: error:")]
    assert len(errors) == 1 and "monitors.broken" in errors[0] and "archive/credit.db" in errors[0]


def test_selected_monitors_and_exit_codes(credit_dir: Path) -> None:
    code, stdout, _ = _check(credit_dir, "-m", "credit-default", "--json", "--dry-run", "--at", AFTER_DRIFT)
    assert code == 1 and list(_by_name(stdout)) == ["credit-default"]
    code, stdout, _ = _check(credit_dir, "-m", "credit-default", "--json", "--dry-run", "--at", BEFORE_DRIFT)
    assert code == 0 and _by_name(stdout)["credit-default"]["alerts"] == []
    code, stdout, stderr = _check(credit_dir, "-m", "credit-defualt", "--dry-run")
    assert code == 2 and stdout == "" and "credit-defualt" in stderr
    code, _, stderr = _check(credit_dir, "--at", "last tuesday", "--dry-run")
    assert code == 2 and "--at" in stderr


def test_table_without_json(credit_dir: Path) -> None:
    code, stdout, _ = _check(credit_dir, "-m", "credit-default", "--dry-run", "--at", AFTER_DRIFT)
    assert code == 1
    assert "income" in stdout and "wasserstein" in stdout and "DRIFT" in stdout
    assert "accuracy" in stdout and "FIRING performance_drop accuracy" in stdout
    assert "dry run: nothing was stored or sent" in stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(stdout)


@pytest.mark.evidently
def test_features_inferred_as_evidently_does_and_printed(credit_dir: Path) -> None:
    code, stdout, stderr = _check(credit_dir, "-m", "inferred", "--json", "--dry-run", "--at", AFTER_DRIFT)
    assert code == 0
    columns = _by_name(stdout)["inferred"]["drift"]["columns"]
    ours = {c["column"]: c["kind"] for c in columns}
    assert "inferred features" in stderr

    from evidently import Dataset

    with sqlite3.connect(credit_dir / "credit.db") as connection:
        reference = pd.read_sql(
            "SELECT * FROM applications WHERE applied_at >= '2026-02-15' AND applied_at < '2026-03-01'",
            connection,
        )
    connection.close()
    # the timestamp, prediction and join key are not features; Evidently is given the rest
    features = reference.drop(columns=["applied_at", "default_pred", "default_score", "application_id"])
    definition = Dataset.from_pandas(features).data_definition
    theirs = dict.fromkeys(definition.get_numerical_columns(), "numerical")
    theirs |= dict.fromkeys(definition.get_categorical_columns(), "categorical")
    assert ours == theirs
    assert set(ours.values()) == {"numerical", "categorical"}

    code, stdout, _ = _check(credit_dir, "-m", "inferred", "--dry-run", "--at", AFTER_DRIFT)
    numerical = [name for name, kind in ours.items() if kind == "numerical"]
    assert f"numerical [{', '.join(numerical)}]" in stdout


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _with_channel(folder: Path, target: Path, url: str) -> Path:
    """The credit monitor with its dataset_drift rule sent to a webhook at ``url``."""
    config = (folder / "monitor.yaml").read_text().split("  inferred:")[0]
    config = config.replace("store: sqlite:///state.db", f"store: sqlite:///{target.parent / 'state.db'}")
    config = config.replace("sqlite:///credit.db", f"sqlite:///{folder / 'credit.db'}")
    config = config.replace("- {rule: dataset_drift}", "- {rule: dataset_drift, channels: [hook]}")
    channel = f"channels:\n  hook: {{type: webhook, url: '{url}', retry: {{initial: 1s, max_age: 1s}}}}\n"
    target.write_text(channel + config)
    return target


def test_a_channel_that_cannot_be_reached_is_exit_3_and_named(credit_dir: Path, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/hook"
    config = _with_channel(credit_dir, tmp_path / "monitor.yaml", url)
    result = run_monitor("check", "-c", str(config), "-m", "credit-default", "--at", AFTER_DRIFT, "--json")
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["monitors"][0]["alerts"]  # the verdict is still printed
    (line,) = [line for line in result.stderr.splitlines() if "could not be reached" in line]
    assert "hook" in line and url not in line  # named by its config name, the URL masked


def test_a_delivered_alert_is_exit_1(credit_dir: Path, tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    config = _with_channel(credit_dir, tmp_path / "monitor.yaml", httpserver.url_for("/hook"))
    result = run_monitor("check", "-c", str(config), "-m", "credit-default", "--at", AFTER_DRIFT)
    assert result.returncode == 1, result.stderr
    assert len(httpserver.log) == 1
