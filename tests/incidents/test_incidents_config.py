"""The data-incident rules' options: defaults, and each option only on the rule it belongs to."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.config.loader import parse_config
from monitor.errors import ConfigError

BASE = """
monitors:
  m1:
    source: {{url: "sqlite:///x.db", table: t, timestamp: ts}}
    features: {{numerical: [amount], categorical: [country]}}
    reference: {{previous: 7d}}
    window: 1d
    alerts:
      - {rule}
"""


def rule_of(text: str):  # noqa: ANN201 - the parsed AlertRuleConfig
    return parse_config(BASE.format(rule=text)).monitors["m1"].alerts[0]


def test_defaults_documented_in_the_reference() -> None:
    assert rule_of("{rule: volume}").min_ratio == 0.5 and rule_of("{rule: volume}").max_ratio is None
    assert rule_of("{rule: freshness}").max_age == timedelta(hours=2)
    assert rule_of("{rule: new_categories}").share_limit == 0.01
    assert rule_of("{rule: out_of_range}").share_limit == 0.01
    assert rule_of("{rule: duplicates, key: [id]}").share_limit == 0.0
    assert rule_of("{rule: missing_values}").share_limit == 0.1
    assert rule_of("{rule: out_of_range, bounds: {amount: [0, 100000]}}").bounds == {
        "amount": (0.0, 100000.0)
    }


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{rule: duplicates}", "duplicates needs key"),
        ("{rule: schema, max_age: 1h}", "max_age is for freshness, not schema"),
        ("{rule: volume, key: [id]}", "key is for duplicates, not volume"),
        ("{rule: new_categories, bounds: {amount: [0, 1]}}", "bounds is for out_of_range"),
        ("{rule: freshness, min_ratio: 0.2}", "min_ratio is for volume"),
        ("{rule: volume, min_ratio: 0.5, max_ratio: 0.4}", "max_ratio must be above min_ratio"),
        ("{rule: out_of_range, bounds: {amount: [5, 1]}}", "bounds.amount"),
        ("{rule: out_of_range, bounds: {nope: [0, 1]}}", "nope"),
        ("{rule: new_categories, columns: [nope]}", "nope"),
        ("{rule: no_data, max_share: 0.2}", "max_share is for"),
        ("{rule: freshness, max_age: soon}", "max_age"),
        ("{rule: duplicates, key: [a]}\n      - {rule: duplicates, key: [b]}", "share one key"),
    ],
)
def test_bad_options_name_the_rule_and_key(text: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(BASE.format(rule=text), file="cfg.yaml")
    assert words in str(info.value) and "cfg.yaml: monitors.m1" in str(info.value)
