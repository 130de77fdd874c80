"""`monitor alerts silence` refuses a rule name no alert can have: a typo would mute nothing."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.store import open_store

CONFIG = """\
store: sqlite:///state.db
monitors:
  scorer:
    source: {url: "sqlite:///log.db", table: predictions, timestamp: ts}
    reference: {previous: 7d}
    window: 1d
    alerts:
      - {rule: column_drift}
"""


def _config(directory: Path) -> Path:
    config = directory / "monitor.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


def _silenced_rules(directory: Path) -> list[str | None]:
    store = open_store(f"sqlite:///{directory / 'state.db'}")
    try:
        return [silence.rule for silence in store.silences(datetime.now(timezone.utc))]
    finally:
        store.close()


def test_silence_of_a_misspelt_rule_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["alerts", "silence", "-c", str(_config(tmp_path)), "scorer", "colum_drift", "--for", "2h"])

    assert code == 2
    error = capsys.readouterr().err
    assert "colum_drift" in error and "column_drift" in error  # names the culprit and the choices
    assert _silenced_rules(tmp_path) == []


def test_silence_of_a_known_rule_is_kept(tmp_path: Path) -> None:
    config = _config(tmp_path)

    code = main(["alerts", "silence", "-c", str(config), "scorer", "column_drift", "amount", "--for", "2h"])

    assert code == 0
    assert _silenced_rules(tmp_path) == ["column_drift"]
