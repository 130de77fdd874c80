"""``method:`` is checked against the registry of drift methods when the config is read."""

import pytest

from monitor.config import parse_config
from monitor.errors import ConfigError

MINIMAL = """
monitors:
  m1:
    source: {url: "sqlite:///p.db", table: predictions, timestamp: ts}
    reference: {previous: 30d}
    window: 7d
"""


@pytest.mark.parametrize(
    ("drift", "canonical"),
    [
        ("{method: TVD}", "TVD"),
        ("{method: anderson}", "anderson"),
        ("{method: energy_distance}", "ed"),  # the spelling of Evidently's docs names the same test
        ("{method: epps_singleton}", "es"),
        ("{method: perc_text_content_drift}", "perc_text_content_drift"),
    ],
)
def test_every_evidently_name_is_accepted(drift: str, canonical: str) -> None:
    config = parse_config(MINIMAL + f"    drift: {drift}\n")
    assert config.monitors["m1"].drift.method == canonical


@pytest.mark.parametrize(
    ("drift", "key", "suggestion"),
    [
        ("{method: wasserstien}", "monitors.m1.drift.method", "did you mean 'wasserstein'"),
        ("{method: tvd}", "monitors.m1.drift.method", "did you mean 'TVD'"),
        ("{columns: {amount: {method: cramer}}}", "monitors.m1.drift.columns.amount.method", ""),
    ],
)
def test_an_unknown_method_is_named_with_its_key(drift: str, key: str, suggestion: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(MINIMAL + f"    drift: {drift}\n", file="cfg.yaml")
    message = str(info.value)
    assert key in message and "unknown drift method" in message and suggestion in message
    assert "installed: auto, abs_text_content_drift, anderson," in message


@pytest.mark.parametrize(
    ("features", "drift", "words"),
    [
        (
            "{categorical: [country]}",
            "{columns: {country: {method: ks}}}",
            "drift.columns.country.method: ks",
        ),
        ("{numerical: [amount]}", "{method: TVD}", "drift.method: TVD does not apply to numerical"),
        ("{text: [review]}", "{method: psi}", "psi does not apply to text column 'review'"),
    ],
)
def test_a_method_must_take_the_kind_of_each_listed_column(features: str, drift: str, words: str) -> None:
    text = MINIMAL + f"    features: {features}\n    drift: {drift}\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, file="cfg.yaml")
    assert words in str(info.value)


def test_a_column_override_frees_it_from_the_global_method() -> None:
    text = MINIMAL + (
        "    features: {numerical: [amount], categorical: [country], text: [review]}\n"
        "    drift: {method: anderson, columns: {country: {method: g_test}, review: {method: auto}}}\n"
    )
    drift = parse_config(text).monitors["m1"].drift
    assert drift.method == "anderson" and drift.columns["country"].method == "g_test"


def test_a_column_listed_under_two_kinds_is_refused() -> None:
    with pytest.raises(ConfigError, match="review"):
        parse_config(MINIMAL + "    features: {categorical: [review], text: [review]}\n")
