from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor.config import load_config, parse_config, parse_duration
from monitor.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example.yaml"

MINIMAL = """
monitors:
  m1:
    source: {url: "sqlite:///p.db", table: predictions, timestamp: ts}
    reference: {previous: 30d}
    window: 7d
"""


def test_example_config_loads_typed(monkeypatch):
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T1/B2/zzzsecret")
    config = load_config(EXAMPLE)
    monitor = config.monitors["fraud-scorer"]
    assert monitor.window == timedelta(days=7)
    assert monitor.schedule.every == timedelta(hours=1)
    assert monitor.reference.start == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert monitor.drift.columns["amount"].method == "psi"
    assert [rule.rule for rule in monitor.alerts][-1] == "no_data"
    assert config.channels["team-slack"].url.endswith("zzzsecret")
    # relative SQLite files are anchored at the config file's folder
    assert config.store == f"sqlite:///{EXAMPLE.parent.as_posix()}/monitor-state.db"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30s", 30), ("15m", 900), ("1h", 3600), ("7d", 7 * 86400), ("2w", 14 * 86400), ("1h30m", 5400)],
)
def test_durations(text, expected):
    assert parse_duration(text).total_seconds() == expected


@pytest.mark.parametrize("text", ["7x", "", "-1h", "h", "1.5.2h", True])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_env_interpolation_with_default(monkeypatch):
    monkeypatch.setenv("DB_FILE", "preds.db")
    monkeypatch.delenv("TABLE_NAME", raising=False)
    text = MINIMAL.replace('"sqlite:///p.db"', '"sqlite:///${DB_FILE}"').replace(
        "predictions", '"${TABLE_NAME:-fallback}"'
    )
    monitor = parse_config(text).monitors["m1"]
    assert monitor.source.url == "sqlite:///preds.db"
    assert monitor.source.table == "fallback"


def test_on_alias_and_yaml11_booleans():
    text = (
        MINIMAL
        + """    features: {categorical: [country]}
    alerts:
      - {on: no_data}
      - on: column_drift
        columns: [country]
reports: {on: always}
"""
    )
    config = parse_config(text)
    assert [rule.rule for rule in config.monitors["m1"].alerts] == ["no_data", "column_drift"]
    assert config.reports.when == "always"
    # a country code NO stays a name, never the boolean false
    config = parse_config(MINIMAL + "    features: {categorical: [NO, yes, off]}\n")
    assert config.monitors["m1"].features.categorical == ["NO", "yes", "off"]


@pytest.mark.parametrize(
    ("patch", "key", "words"),
    [
        (("window: 7d", "window: 7x"), "monitors.m1.window", "invalid duration"),
        (("window: 7d", "window: 7d\n    colour: red"), "monitors.m1.colour", "unknown key"),
        (("table: predictions, ", ""), "monitors.m1.source", "exactly one of table or query"),
        (("timestamp: ts", "ts: ts"), "monitors.m1.source", ""),
        (("previous: 30d", "previous: soon"), "monitors.m1.reference.previous", "invalid duration"),
    ],
)
def test_errors_name_file_and_key(patch, key, words):
    with pytest.raises(ConfigError) as info:
        parse_config(MINIMAL.replace(*patch), file="cfg.yaml")
    message = str(info.value)
    assert message.startswith("cfg.yaml: ")
    assert key in message
    assert words in message


def test_missing_env_var_is_named(monkeypatch):
    monkeypatch.delenv("MISSING_DB_URL", raising=False)
    with pytest.raises(ConfigError) as info:
        parse_config(MINIMAL.replace('"sqlite:///p.db"', '"${MISSING_DB_URL}"'), file="cfg.yaml")
    assert "MISSING_DB_URL" in str(info.value)
    assert "monitors.m1.source.url" in str(info.value)


def test_yaml_syntax_error_names_line():
    with pytest.raises(ConfigError) as info:
        parse_config("monitors:\n  m1: [a, b\n  m2: 1\n", file="cfg.yaml")
    assert "line 3" in str(info.value)


def test_unknown_channel_reference():
    text = MINIMAL + "    alerts: [{rule: no_data, channels: [ops]}]\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, file="cfg.yaml")
    assert "monitors.m1.alerts.0.channels" in str(info.value)
    assert "ops" in str(info.value)


def test_column_both_numerical_and_categorical():
    text = MINIMAL + "    features: {numerical: [amount], categorical: [amount]}\n"
    with pytest.raises(ConfigError, match="amount"):
        parse_config(text)


def test_performance_metric_must_fit_task():
    text = MINIMAL + (
        "    prediction: {column: y_hat, task: regression}\n"
        "    target: {column: y}\n"
        "    alerts: [{rule: performance_drop, metric: roc_auc}]\n"
    )
    with pytest.raises(ConfigError, match="not a regression metric"):
        parse_config(text)


@pytest.mark.parametrize(
    ("alert", "words"),
    [
        ("{rule: dataset_drift, columns: [amount]}", "columns is for column_drift, missing_values"),
        ("{rule: missing_values, columns: [nocol]}", "nocol"),
        ("{rule: missing_values, columns: [amount, score]}", None),
    ],
)
def test_rule_columns_are_checked(alert, words):
    text = MINIMAL + (
        f"    features: {{numerical: [amount]}}\n    prediction: {{score: score}}\n    alerts: [{alert}]\n"
    )
    if words is None:
        assert parse_config(text).monitors["m1"].alerts[0].columns == ["amount", "score"]
        return
    with pytest.raises(ConfigError) as info:
        parse_config(text, file="cfg.yaml")
    assert words in str(info.value) and "monitors.m1" in str(info.value)


def test_missing_file():
    with pytest.raises(ConfigError, match="not found"):
        load_config("/nonexistent/monitor.yaml")


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        (("window: 7d", "windw: 7d"), "monitors.m1.windw: unknown key (did you mean 'window'?)"),
        (
            ("previous: 30d", "previus: 30d"),
            "monitors.m1.reference.previus: unknown key (did you mean 'previous'?)",
        ),
        (
            ("window: 7d", "window: 7d\n    drift: {treshold: 0.2}"),
            "monitors.m1.drift.treshold: unknown key (did",
        ),
        (
            ("window: 7d", "window: 7d\n    alerts: [{rule: no_data, chanels: []}]"),
            "alerts.0.chanels: unknown key",
        ),
    ],
)
def test_misspelt_key_is_named_once_with_a_suggestion(patch, expected):
    with pytest.raises(ConfigError) as info:
        parse_config(MINIMAL.replace(*patch), file="cfg.yaml")
    message = str(info.value)
    assert expected in message
    assert "required key is missing" not in message  # the typo explains it: one line, not two
    assert "\n" not in message


def test_unrelated_unknown_key_gets_no_suggestion():
    with pytest.raises(ConfigError) as info:
        parse_config(MINIMAL + "    colour: red\n", file="cfg.yaml")
    assert str(info.value) == "cfg.yaml: monitors.m1.colour: unknown key"
