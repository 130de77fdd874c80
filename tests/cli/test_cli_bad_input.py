"""Ten kinds of bad input, each through the real ``monitor`` command: the contract's exit code,
one clear message naming the culprit, no traceback, no secret echoed."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from credit_log import CONFIG, make_credit_log, run_monitor, write_credit_db

PASSWORD = "Tr0ub4dor-s3cret"
AFTER_DRIFT = "2026-03-08T00:00:00Z"


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class BadInput:
    replace: tuple[str, str] | None
    exit_code: int
    names: tuple[str, ...]  # what the message must name
    command: tuple[str, ...] = ("check", "--json", "--dry-run", "--at", AFTER_DRIFT)
    unset: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


UNREACHABLE_URL = f"postgresql+psycopg://monitor:{PASSWORD}@127.0.0.1:{_closed_port()}/credit"

CASES = {
    "yaml-syntax-error": BadInput(
        ("table: applications,", "table: [applications,"), 2, ("bad.yaml", "line 4", "YAML")
    ),
    "unknown-key": BadInput(("window: 7d", "windw: 7d"), 2, ("bad.yaml", "monitors.credit-default.windw")),
    "missing-env-var": BadInput(
        ('"sqlite:///credit.db"', '"${CREDIT_DB_URL}"'),
        2,
        ("bad.yaml", "CREDIT_DB_URL", "monitors.credit-default.source.url"),
        unset=("CREDIT_DB_URL",),
    ),
    "unknown-channel": BadInput(
        ("{rule: no_data}", "{rule: no_data, channels: [pager]}"),
        2,
        ("bad.yaml", "pager", "monitors.credit-default.alerts.2.channels"),
    ),
    "unknown-column-validate": BadInput(
        ("region]", "region, regoin]"),
        2,
        ("bad.yaml", "regoin", "monitors.credit-default.features.categorical"),
        command=("validate", "--connect"),
    ),
    "unknown-column-check": BadInput(
        ("region]", "region, regoin]"),
        2,
        ("bad.yaml", "regoin", "monitors.credit-default.features.categorical"),
    ),
    "bad-duration": BadInput(
        ("window: 7d", "window: 7x"), 2, ("bad.yaml", "monitors.credit-default.window", "7x")
    ),
    "unreachable-database": BadInput(('"sqlite:///credit.db"', f'"{UNREACHABLE_URL}"'), 3, ("127.0.0.1",)),
    "unreachable-database-validate": BadInput(
        ('"sqlite:///credit.db"', f'"{UNREACHABLE_URL}"'),
        3,
        ("127.0.0.1", "monitors.credit-default"),
        command=("validate", "--connect"),
    ),
    "empty-window": BadInput(
        None, 1, ("no_data",), command=("check", "--json", "--dry-run", "--at", "2027-06-01")
    ),
    "missing-file": BadInput(
        ('{url: "sqlite:///credit.db", table: applications,', '{path: "logs/*.parquet",'),
        3,
        ("logs/*.parquet",),
    ),
    "missing-database-file": BadInput(('"sqlite:///credit.db"', '"sqlite:///credti.db"'), 3, ("credti.db",)),
    "missing-config-file": BadInput(None, 2, ("nowhere.yaml", "not found")),
    "numerical-and-categorical": BadInput(
        ("categorical: [purpose", "categorical: [income, purpose"),
        2,
        ("bad.yaml", "income", "monitors.credit-default.features"),
    ),
}


@pytest.fixture(scope="module")
def credit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("credit")
    write_credit_db(folder / "credit.db", make_credit_log(4000))
    return folder


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_exit_code_and_message(credit_dir: Path, case: str) -> None:
    bad = CASES[case]
    config = credit_dir / ("nowhere.yaml" if case == "missing-config-file" else "bad.yaml")
    if bad.replace is not None:
        assert bad.replace[0] in CONFIG
        config.write_text(CONFIG.replace(*bad.replace))
    elif case != "missing-config-file":
        config.write_text(CONFIG)
    env = {key: value for key, value in os.environ.items() if key not in bad.unset}
    # DEBUG: every log line the run could write is on stderr, so a leaked secret would show
    args = ["--log-level", "DEBUG", bad.command[0], "-c", str(config), *bad.command[1:]]
    result = run_monitor(*args, cwd=credit_dir, env=env)

    assert result.returncode == bad.exit_code, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert PASSWORD not in result.stderr + result.stdout
    messages = [line for line in result.stderr.splitlines() if "monitor: error:" in line]
    if bad.exit_code in (2, 3):
        assert len(messages) == 1, result.stderr  # one clear message...
        for name in bad.names:  # ...naming the culprit
            assert name in messages[0], (name, messages[0])
    else:
        assert messages == []
    if "--json" in bad.command and bad.exit_code != 2:
        (monitor,) = json.loads(result.stdout)["monitors"]  # the document is still there
        if bad.exit_code == 3:
            assert monitor["error"] and all(name in monitor["error"] for name in bad.names)
        else:
            assert monitor["error"] is None
            assert monitor["window"]["rows"] == 0
            assert monitor["performance"] is None
            assert [a["rule"] for a in monitor["alerts"]] == ["no_data"]
