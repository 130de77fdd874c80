"""Alert state follows window time (docs/reference.md, "Alerts: lifecycle and window time").

Through the command's entry point and a real webhook receiver on 127.0.0.1: an older window is
history and changes nothing; checking past windows one after another notifies once;
``monitor backfill`` notifies nobody and fills ``history --json``; an empty window fires
``no_data`` and freezes the rest; a monitor that cannot run fires ``run_failed``; a silenced
alert says so.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from credit_log import CONFIG, make_credit_log, run_monitor, write_credit_db
from pytest_httpserver import HTTPServer

from tests.cli_in_process import monitor_in_process

AFTER_DRIFT = "2026-03-08T00:00:00Z"
BEFORE_DRIFT = "2026-02-15T00:00:00Z"
DRIFTING_DAYS = [f"2026-03-{day:02d}T00:00:00Z" for day in range(8, 13)]  # five windows, all drifted
AFTER_THE_LOG = "2026-06-01T00:00:00Z"


@pytest.fixture(scope="module")
def credit_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("credit-window-time") / "credit.db"
    write_credit_db(path, make_credit_log(6000))
    return path


def _config(folder: Path, credit_db: Path, url: str, rules: str | None = None) -> Path:
    """The credit monitor, its rules sent to the webhook at ``url``, in a folder of its own."""
    text = CONFIG.replace("sqlite:///credit.db", f"sqlite:///{credit_db}")
    if rules is not None:
        text = text.split("    alerts:")[0] + "    alerts:\n" + rules
    text = "\n".join(
        line[:-1] + ", channels: [hook]}" if line.startswith("      - {rule:") else line
        for line in text.splitlines()
    )
    channel = f"channels:\n  hook: {{type: webhook, url: '{url}', retry: {{initial: 1s, max_age: 5s}}}}\n"
    path = folder / "monitor.yaml"
    path.write_text(channel + "reports: {when: never}\n" + text + "\n")
    return path


def _monitor(*args: str) -> tuple[int, str, str]:
    """The command in this process (alert state lives in the store, not in a process)."""
    result = monitor_in_process(*args)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, result.stderr


def _check_json(config: Path, at: str, *extra: str) -> tuple[int, dict[str, Any]]:
    code, stdout, _ = _monitor("check", "-c", str(config), "--json", "--at", at, *extra)
    (document,) = json.loads(stdout)["monitors"]
    return code, document


def _alerts(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(alert["rule"], alert["status"]) for alert in document["alerts"]}


def _sent(httpserver: HTTPServer) -> list[tuple[str, str]]:
    bodies = [json.loads(request.get_data()) for request, _ in httpserver.log]
    return [(body["rule"], body["status"]) for body in bodies]


@pytest.fixture
def hook(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    return httpserver


def test_an_older_window_is_history_and_changes_no_alert(
    tmp_path: Path, credit_db: Path, hook: HTTPServer
) -> None:
    config = _config(tmp_path, credit_db, hook.url_for("/hook"))
    code, live = _check_json(config, AFTER_DRIFT)
    assert code == 1 and ("dataset_drift", "firing") in _alerts(live)
    assert _sent(hook) == [("dataset_drift", "firing"), ("performance_drop", "firing")]

    code, older = _check_json(config, BEFORE_DRIFT)
    assert older["drift"]["dataset_drift"] is False  # the old window itself is quiet ...
    assert code == 1  # ... but the alerts stay firing: nothing resolved, nothing sent
    assert _alerts(older) == {("dataset_drift", "firing"), ("performance_drop", "firing")}
    assert len(hook.log) == 2

    code, stdout, _ = _monitor("alerts", "list", "-c", str(config))
    assert code == 1 and "dataset_drift" in stdout and "firing" in stdout
    code, stdout, _ = _monitor("history", "-c", str(config), "-m", "credit-default", "--json")
    runs = json.loads(stdout)["runs"]
    assert [run["window"]["end"] for run in runs] == [
        "2026-02-15T00:00:00+00:00",
        "2026-03-08T00:00:00+00:00",
    ]
    assert [run["live"] for run in runs] == [False, True]


def test_past_windows_checked_in_order_notify_once(tmp_path: Path, credit_db: Path, hook: HTTPServer) -> None:
    config = _config(tmp_path, credit_db, hook.url_for("/hook"), "      - {rule: dataset_drift}\n")
    for day in DRIFTING_DAYS:
        code, document = _check_json(config, day)
        assert code == 1 and _alerts(document) == {("dataset_drift", "firing")}
    # repeat_interval (4h) counts wall-clock time, not the days between the windows
    assert _sent(hook) == [("dataset_drift", "firing")]


def test_backfill_records_history_and_notifies_nobody(
    tmp_path: Path, credit_db: Path, hook: HTTPServer
) -> None:
    config = _config(tmp_path, credit_db, hook.url_for("/hook"))
    code, stdout, _ = _monitor(
        "backfill", "-c", str(config), "--from", "2026-03-03", "--to", "2026-03-12", "--every", "1d", "--json"
    )
    assert code == 0  # breaches of history are reported, not exit-coded
    documents = json.loads(stdout)["monitors"]
    assert len(documents) == 10 and any(d["drift"]["dataset_drift"] for d in documents)
    assert len(hook.log) == 0
    code, stdout, _ = _monitor("alerts", "list", "-c", str(config))
    assert code == 0  # no live state was changed

    code, stdout, _ = _monitor("history", "-c", str(config), "-m", "credit-default", "--json")
    runs = json.loads(stdout)["runs"]
    ends = [run["window"]["end"] for run in runs]
    assert len(runs) == 10 and ends == sorted(ends) and not any(run["live"] for run in runs)
    assert ends[0].startswith("2026-03-03") and ends[-1].startswith("2026-03-12")

    # the first live check after the backfill is newer than every backfilled window: it fires
    code, document = _check_json(config, "2026-03-12T06:00:00Z")
    assert code == 1 and ("dataset_drift", "firing") in _alerts(document)


def test_an_empty_window_fires_no_data_and_freezes_the_rest(
    tmp_path: Path, credit_db: Path, hook: HTTPServer
) -> None:
    config = _config(tmp_path, credit_db, hook.url_for("/hook"))
    _check_json(config, AFTER_DRIFT)
    code, empty = _check_json(config, AFTER_THE_LOG)
    assert empty["window"]["rows"] == 0 and code == 1
    # no_data fires; dataset_drift and performance_drop neither resolve nor re-fire on no rows
    assert _alerts(empty) == {
        ("no_data", "firing"),
        ("dataset_drift", "firing"),
        ("performance_drop", "firing"),
    }
    assert [rule for rule, status in _sent(hook) if status == "resolved"] == []
    assert ("no_data", "firing") in _sent(hook)


def test_a_monitor_that_cannot_run_fires_run_failed(
    tmp_path: Path, credit_db: Path, hook: HTTPServer
) -> None:
    rules = "      - {rule: dataset_drift}\n      - {rule: run_failed}\n"
    config = _config(tmp_path, credit_db, hook.url_for("/hook"), rules)
    config.write_text(config.read_text().replace(str(credit_db), str(tmp_path / "gone" / "credit.db")))
    # the real executable: its exit code is the contract's 3
    result = run_monitor("check", "-c", str(config), "--json", "--at", AFTER_DRIFT)
    assert "Traceback" not in result.stderr, result.stderr
    (document,) = json.loads(result.stdout)["monitors"]
    assert result.returncode == 3 and document["error"]
    assert ("run_failed", "firing") in _alerts(document)
    [body] = [json.loads(request.get_data()) for request, _ in hook.log]
    assert (body["rule"], body["subject"], body["status"]) == ("run_failed", "source", "firing")

    config.write_text(config.read_text().replace(str(tmp_path / "gone" / "credit.db"), str(credit_db)))
    code, document = _check_json(config, "2026-03-09T00:00:00Z")
    assert ("run_failed", "resolved") in _alerts(document)


def test_a_silenced_alert_says_so(tmp_path: Path, credit_db: Path, hook: HTTPServer) -> None:
    config = _config(tmp_path, credit_db, hook.url_for("/hook"), "      - {rule: dataset_drift}\n")
    code, _, stderr = _monitor("alerts", "silence", "-c", str(config), "credit-default", "--for", "1h")
    assert code == 0, stderr
    code, document = _check_json(config, AFTER_DRIFT)
    assert code == 1
    assert [(a["rule"], a["status"], a["silenced"]) for a in document["alerts"]] == [
        ("dataset_drift", "firing", True)
    ]
    assert len(hook.log) == 0
    code, stdout, _ = _monitor("check", "-c", str(config), "--at", "2026-03-09T00:00:00Z")
    line = next(line for line in stdout.splitlines() if "dataset_drift" in line and "FIRING" in line)
    assert "silenced" in line and "→ hook" not in line


def test_an_override_of_the_score_column_judges_prediction_drift(tmp_path: Path, credit_db: Path) -> None:
    config = _config(tmp_path, credit_db, "http://127.0.0.1:9/hook")
    text = config.read_text().replace(
        "    alerts:",
        "    drift: {method: psi, columns: {default_score: {method: jensenshannon, threshold: 0.02}}}\n"
        "    alerts:",
    )
    text = text.replace("numerical: [income,", "numerical: [default_score, income,")
    config.write_text(text)
    code, document = _check_json(config, AFTER_DRIFT, "--dry-run")
    prediction = document["prediction_drift"]
    assert (prediction["method"], prediction["threshold"]) == ("jensenshannon", 0.02)
    [as_feature] = [c for c in document["drift"]["columns"] if c["column"] == "default_score"]
    assert (as_feature["method"], as_feature["threshold"], as_feature["score"]) == (
        prediction["method"],
        prediction["threshold"],
        prediction["score"],
    )
    others = [c["method"] for c in document["drift"]["columns"] if c["column"] != "default_score"]
    assert set(others) <= {"psi"}


def test_the_store_keeps_the_order_of_windows(tmp_path: Path, credit_db: Path, hook: HTTPServer) -> None:
    config = _config(tmp_path, credit_db, hook.url_for("/hook"))
    for at in (AFTER_DRIFT, BEFORE_DRIFT):
        _check_json(config, at)
    with sqlite3.connect(tmp_path / "state.db") as connection:
        rows = connection.execute("SELECT window_end, live FROM monitor_runs ORDER BY finished_at").fetchall()
    assert [bool(live) for _, live in rows] == [True, False]
