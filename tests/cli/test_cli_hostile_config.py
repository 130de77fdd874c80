"""Hostile and mistaken configs through the real ``monitor`` command: exit 2, one message naming the
file and the key, no traceback, no "unexpected", and no unbounded memory or time (issue 18)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from credit_log import CONFIG, make_credit_log, run_monitor, write_credit_db

from tests.pg import temporary_database

MONITOR = "credit-default"
ALIAS_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


def _config_error(folder: Path, text: str | bytes, *command: str) -> str:
    """Runs ``monitor validate`` (or ``command``) on ``text``; asserts exit 2 and returns its one message."""
    config = folder / "bad.yaml"
    if isinstance(text, bytes):
        config.write_bytes(text)
    else:
        config.write_text(text, encoding="utf-8")
    started = time.monotonic()
    result = run_monitor(*(command or ("validate",)), "-c", str(config), cwd=folder)
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output and "unexpected" not in output, output
    messages = [line for line in result.stderr.splitlines() if line.startswith("monitor: error:")]
    assert len(messages) == 1, result.stderr
    assert str(config) in messages[0], messages[0]
    assert elapsed < 30, elapsed
    return messages[0]


@pytest.fixture(scope="module")
def credit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("credit")
    write_credit_db(folder / "credit.db", make_credit_log(3000))
    return folder


def test_alias_bomb_is_refused_before_it_expands(credit_dir: Path) -> None:
    message = _config_error(credit_dir, ALIAS_BOMB + CONFIG)
    assert "expands to more than" in message


def test_recursive_alias_is_refused(credit_dir: Path) -> None:
    message = _config_error(credit_dir, "loop: &loop [*loop]\n" + CONFIG)
    assert "recursive" in message


def test_deep_nesting_is_refused(credit_dir: Path) -> None:
    message = _config_error(credit_dir, CONFIG + "deep: " + "[" * 20_000 + "]" * 20_000 + "\n")
    assert "nested deeper than" in message and "line 16" in message


def test_oversized_file_is_refused_unread(credit_dir: Path) -> None:
    message = _config_error(credit_dir, CONFIG + ("# padding\n" * 200_000))
    assert "larger than" in message


def test_non_utf8_config(credit_dir: Path) -> None:
    text = CONFIG.replace("credit-default", "cr\xe9dit").encode("latin-1")
    message = _config_error(credit_dir, text)
    assert "UTF-8" in message and "line 3" in message


def test_monitors_as_a_list(credit_dir: Path) -> None:
    text = "monitors:\n  - name: a\n    window: 7d\n"
    message = _config_error(credit_dir, text)
    assert "monitors" in message and "dictionary" in message


@pytest.mark.parametrize(
    ("window", "words"),
    [
        ("99999999999d", ("too long",)),
        ("7", ("no unit", "7d")),
        ("1e400s", ("invalid duration",)),
    ],
)
def test_bad_window(credit_dir: Path, window: str, words: tuple[str, ...]) -> None:
    message = _config_error(credit_dir, CONFIG.replace("window: 7d", f"window: {window}"))
    assert f"monitors.{MONITOR}.window" in message
    assert all(word in message for word in words), message


def test_huge_integer_and_bad_date(credit_dir: Path) -> None:
    message = _config_error(credit_dir, CONFIG.replace("window: 7d", "window: " + "9" * 5000))
    assert "YAML value error" in message or f"monitors.{MONITOR}.window" in message
    message = _config_error(credit_dir, CONFIG.replace('"2026-02-01"', "2026-13-45"))
    assert "2026-13-45" in message or "month" in message


def test_duplicate_monitor_key(credit_dir: Path) -> None:
    body = CONFIG.split("monitors:\n", 1)[1]
    message = _config_error(credit_dir, CONFIG + body)
    assert f"duplicate key '{MONITOR}'" in message and "first at line 3" in message
    assert f"monitors.{MONITOR}" in message


def test_negative_threshold(credit_dir: Path) -> None:
    text = CONFIG.replace("    window: 7d\n", "    window: 7d\n    drift: {threshold: -1}\n")
    message = _config_error(credit_dir, text)
    assert f"monitors.{MONITOR}.drift.threshold" in message


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("evil\\n2026-01-01 00:00:00,000 ERROR forged: x", ("control", "evil\\\\n2026")),
        ("bell\\a", ("control",)),
        ("rtl\\u202eevil", ("control",)),
        ("x" * 201, ("at most 200 characters",)),
        ("   ", ("blank",)),
    ],
)
def test_monitor_names_are_printable_and_fit_the_store(credit_dir: Path, name: str, words: tuple) -> None:
    message = _config_error(credit_dir, CONFIG.replace(MONITOR, f'"{name}"', 1))
    assert "\n" not in message
    assert all(word in message for word in words), message


def test_column_and_channel_names_are_checked(credit_dir: Path) -> None:
    message = _config_error(credit_dir, CONFIG.replace("region]", 'region, "re\\ngion"]'))
    assert f"monitors.{MONITOR}.features.categorical.3" in message
    text = CONFIG.replace(
        "monitors:", 'channels:\n  "a\\tb": {type: slack, url: "https://example.com/x"}\nmonitors:'
    )
    message = _config_error(credit_dir, text)
    assert "channels" in message and "control" in message


def test_overlapping_reference_window_is_a_config_error(credit_dir: Path) -> None:
    (credit_dir / "ok.yaml").write_text(CONFIG)
    message = _config_error(credit_dir, CONFIG, "check", "--dry-run", "--at", "2026-01-20")
    assert f"monitors.{MONITOR}.reference" in message and "overlaps" in message


def test_missing_labels_table_is_a_config_error(credit_dir: Path) -> None:
    text = CONFIG.replace("table: outcomes", "table: outcomez")
    message = _config_error(credit_dir, text, "check", "--dry-run", "--at", "2026-03-08")
    assert f"monitors.{MONITOR}.target.table" in message and "outcomez" in message
    message = _config_error(credit_dir, text, "validate", "--connect")
    assert f"monitors.{MONITOR}.target.table" in message and "outcomez" in message


def test_longest_name_fits_the_postgresql_store(credit_dir: Path) -> None:
    """A name of the longest length the config accepts is stored on PostgreSQL (VARCHAR(200))."""
    name = "m" * 200
    with temporary_database() as store_url:
        config = credit_dir / "long.yaml"
        text = CONFIG.replace("store: sqlite:///state.db", f"store: {store_url}")
        config.write_text(text.replace(MONITOR, name, 1))
        result = run_monitor(
            "check", "-c", str(config), "--at", "2026-03-08", cwd=credit_dir, env=dict(os.environ)
        )
        assert result.returncode in (0, 1), result.stderr


def test_names_are_printed_as_they_are_not_as_emoji(credit_dir: Path) -> None:
    # rich would draw ":fire:" as an emoji: a name from the config or the data is shown verbatim
    config = credit_dir / "emoji.yaml"
    config.write_text(CONFIG.replace(MONITOR, '"credit :fire: model"', 1), encoding="utf-8")
    result = run_monitor("check", "-c", str(config), "--dry-run", "--at", "2026-03-01", cwd=credit_dir)
    assert "credit :fire: model" in result.stdout, result.stdout + result.stderr
    assert "\N{FIRE}" not in result.stdout
