"""Break a log in each of the six ways on its last day: the rule fires with the right subject,
and nothing else; on the day before nothing fires at all.

The log is real-shaped: five weeks of payments with a daily rhythm (busy afternoons) and a
weekly one (weekends at 60% of weekday traffic, a slightly different channel mix), daily
windows against the week before, every data-incident rule at the documented example
thresholds plus the drift rules. Each break is the size a broken pipeline would make it,
small enough that it does not also show as drift (a tenth of the amounts turned negative
would, and then ``column_drift`` rightly fires as well).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from monitor.cli.main import main
from tests.incidents.broken_log import (
    RULES,
    break_duplicates,
    break_schema,
    config_text,
    day_before,
    last_day,
    write_sqlite,
)

END = datetime(2026, 3, 11, tzinfo=timezone.utc)  # a Wednesday: the last day is a Tuesday
WEEKS = 5
WEEKDAY_ROWS, WEEKEND_SHARE = 1500, 0.6
DRIFT_RULES = ("dataset_drift", "column_drift", "prediction_drift")
COUNTRIES = ["US", "GB", "DE", "FR", "NO", "IS"]
COUNTRY_SHARES = [0.5, 0.2, 0.15, 0.1, 0.045, 0.005]  # a rare country: seldom in a day, never new


def make_weeks_log(end: datetime, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    hours = np.arange(24)
    hour_weights = 1.0 + 0.8 * np.sin(2 * np.pi * (hours - 8) / 24)
    hour_weights /= hour_weights.sum()
    first = pd.Timestamp(end) - pd.Timedelta(weeks=WEEKS)
    days = []
    for number in range(WEEKS * 7):
        day = first + pd.Timedelta(days=number)
        weekend = day.dayofweek >= 5
        rows = int(rng.poisson(WEEKDAY_ROWS * (WEEKEND_SHARE if weekend else 1.0)))
        seconds = rng.choice(hours, rows, p=hour_weights) * 3600 + rng.integers(0, 3600, rows)
        channels = [0.45, 0.35, 0.2] if weekend else [0.5, 0.3, 0.2]
        days.append(
            pd.DataFrame(
                {
                    "timestamp": day + pd.to_timedelta(np.sort(seconds), unit="s"),
                    "amount": rng.lognormal(3.5, 1.0, rows).round(2),
                    "account_age_days": rng.gamma(2.0, 200.0, rows).round(),
                    "country": rng.choice(COUNTRIES, rows, p=COUNTRY_SHARES),
                    "channel": rng.choice(["web", "app", "pos"], rows, p=channels),
                    "fraud_score": rng.beta(1.0, 12.0, rows).round(6),
                }
            )
        )
    log = pd.concat(days, ignore_index=True)
    log.insert(0, "transaction_id", np.char.add("tx-", np.arange(len(log)).astype(str)))
    return log


def break_volume(log: pd.DataFrame, end: datetime) -> pd.DataFrame:
    """A partition fails to load: 70% of the last day's rows, taken at random, never arrive."""
    lost = last_day(log, end) & (np.random.default_rng(2).random(len(log)) < 0.7)
    return log[~lost].reset_index(drop=True)


def break_freshness(log: pd.DataFrame, end: datetime) -> pd.DataFrame:
    """The feed stops six hours before the run."""
    return log[log["timestamp"] < pd.Timestamp(end) - pd.Timedelta(hours=6)].reset_index(drop=True)


def break_new_categories(log: pd.DataFrame, end: datetime) -> pd.DataFrame:
    """A market opens: one in 60 of the last day's rows comes from a country never seen."""
    broken = log.copy()
    day = np.flatnonzero(last_day(log, end))
    broken.loc[day[::60], "country"] = "BR"
    return broken


def break_out_of_range(log: pd.DataFrame, end: datetime) -> pd.DataFrame:
    """Refunds leak in: one in 50 of the last day's amounts is negative."""
    broken = log.copy()
    day = np.flatnonzero(last_day(log, end))
    broken.loc[day[::50], "amount"] = -broken.loc[day[::50], "amount"]
    return broken


BREAKS: dict[str, tuple[Callable[[pd.DataFrame, datetime], pd.DataFrame], tuple[str, str]]] = {
    "volume": (break_volume, ("volume", "rows")),
    "freshness": (break_freshness, ("freshness", "timestamp")),
    "schema": (break_schema, ("schema", "amount")),
    "new_categories": (break_new_categories, ("new_categories", "country")),
    "out_of_range": (break_out_of_range, ("out_of_range", "amount")),
    "duplicates": (break_duplicates, ("duplicates", "transaction_id")),
}


@pytest.fixture(scope="module")
def clean_log() -> pd.DataFrame:
    return make_weeks_log(END)


def check_json(config: Path, at: datetime, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["check", "-c", str(config), "--json", "--at", at.isoformat()])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    return code, json.loads(captured.out)


def firing(document: dict[str, Any]) -> set[tuple[str, str]]:
    (monitor,) = document["monitors"]
    assert monitor["error"] is None, monitor["error"]
    return {(alert["rule"], alert["subject"]) for alert in monitor["alerts"] if alert["status"] == "firing"}


def write_config(tmp_path: Path, log: pd.DataFrame) -> Path:
    source = write_sqlite(log, tmp_path / "log.db")
    config = tmp_path / "monitor.yaml"
    text = config_text(source, store=f"sqlite:///{tmp_path / 'state.db'}", rules=(*RULES, *DRIFT_RULES))
    config.write_text(text, encoding="utf-8")
    return config


@pytest.mark.parametrize("way", list(BREAKS))
def test_the_last_day_broken_one_way_fires_that_rule_alone(
    tmp_path: Path, clean_log: pd.DataFrame, capsys: pytest.CaptureFixture[str], way: str
) -> None:
    breaking, expected = BREAKS[way]
    config = write_config(tmp_path, breaking(clean_log, END))
    quiet_code, quiet = check_json(config, day_before(END), capsys)
    assert (quiet_code, firing(quiet)) == (0, set()), quiet["monitors"][0]
    code, broken = check_json(config, END, capsys)
    assert (code, firing(broken)) == (1, {expected}), broken["monitors"][0]


def test_no_clean_day_of_the_last_two_weeks_fires_anything(
    tmp_path: Path, clean_log: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    """Weekends included: a quieter day against the week's average rate stays above min_ratio."""
    config = write_config(tmp_path, clean_log)
    ratios = []
    for back in range(14):
        at = END - timedelta(days=back)
        code, document = check_json(config, at, capsys)
        assert (code, firing(document)) == (0, set()), (at, document["monitors"][0])
        ratios.append(document["monitors"][0]["data_quality"]["volume"]["ratio"])
    assert min(ratios) < 0.75 < 1.1 < max(ratios)  # the weekly rhythm is there, and tolerated
