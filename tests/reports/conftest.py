"""Three `monitor check` runs over a SQLite prediction log, shared by the report tests."""

from __future__ import annotations

import json

import pytest
from reports_checked import CONFIG, RUN_TIMES, Checked, run_cli
from reports_synthetic import write_sqlite_log


@pytest.fixture(scope="session")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Checked:
    directory = tmp_path_factory.mktemp("reports-run")
    write_sqlite_log(directory / "log.db")
    config = directory / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    results = []
    for at in RUN_TIMES:
        code, out = run_cli("check", "-c", str(config), "--at", at, "--json")
        assert code in (0, 1), out
        results.append(json.loads(out)["monitors"][0])
    return Checked(config, directory / "reports", results)
