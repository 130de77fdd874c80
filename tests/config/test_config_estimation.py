"""``prediction.scores`` and ``estimation:``: what is accepted, and one clear message for the rest."""

from __future__ import annotations

import pytest

from monitor.config.loader import parse_config
from monitor.errors import ConfigError

BASE = """
monitors:
  m1:
    source: {{url: "sqlite:///x.db", table: t, timestamp: ts}}
    features: {{numerical: [amount]}}
    prediction: {prediction}
    {target}
    reference: {{previous: 7d}}
    window: 1d
    {estimation}
    alerts: [{rules}]
"""
MULTICLASS = "{column: y_pred, scores: {A: p_a, B: p_b, C: p_c}}"


def parse(prediction: str, estimation: str = "", rules: str = "", target: str = "target: {column: y}"):  # noqa: ANN201
    text = BASE.format(prediction=prediction, target=target, estimation=estimation, rules=rules)
    return parse_config(text).monitors["m1"]


def problem(**parts: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse(**parts)
    return str(caught.value)


def test_multiclass_scores_and_cbpe_with_its_rule() -> None:
    monitor = parse(
        MULTICLASS,
        "estimation: {method: cbpe}",
        "{rule: estimated_performance_drop, metric: roc_auc, max_drop: 0.03}",
    )
    assert monitor.prediction is not None and monitor.prediction.score_columns == ["p_a", "p_b", "p_c"]
    assert monitor.estimation is not None
    assert monitor.estimation.metrics == ("roc_auc", "accuracy", "precision", "recall", "f1")
    assert monitor.alerts[0].max_drop == 0.03


def test_class_labels_written_as_yaml_numbers_are_kept_as_text() -> None:
    monitor = parse("{column: y_pred, scores: {0: p0, 1: p1, 2.0: p2}}")
    assert monitor.prediction is not None and monitor.prediction.scores == {"0": "p0", "1": "p1", "2": "p2"}


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"prediction": "{score: [p_a, p_b]}"}, "scores: {class: column}"),
        ({"prediction": "{score: p, scores: {A: p_a, B: p_b}}"}, "not both"),
        ({"prediction": "{scores: {A: p, B: p}}"}, "its own column"),
        ({"prediction": "{scores: {A: p_a}}"}, "at least two classes"),
        (
            {"prediction": "{column: y_pred, score: p}", "estimation": "estimation: {method: dle}"},
            "dle is for regression",
        ),
        (
            {"prediction": "{column: y_pred, task: regression}", "estimation": "estimation: {method: cbpe}"},
            "cbpe is for classification",
        ),
        (
            {"prediction": "{column: y_pred}", "estimation": "estimation: {method: cbpe}"},
            "cbpe needs prediction.score",
        ),
        (
            {"prediction": "{score: p}", "estimation": "estimation: {method: cbpe}", "target": ""},
            "needs a target",
        ),
        (
            {"prediction": "{score: p}", "estimation": "estimation: {method: cbpe, metrics: [mae]}"},
            "does not estimate mae",
        ),
        (
            {"prediction": "{score: p}", "rules": "{rule: estimated_performance_drop, metric: roc_auc}"},
            "needs an estimation: section",
        ),
        (
            {
                "prediction": "{score: p}",
                "estimation": "estimation: {method: cbpe, metrics: [roc_auc]}",
                "rules": "{rule: estimated_performance_drop, metric: f1}",
            },
            "'f1' is not estimated",
        ),
        ({"prediction": "{score: p}", "rules": "{rule: estimated_performance_drop}"}, "needs metric"),
    ],
)
def test_mistakes_name_the_key_and_the_fix(parts: dict[str, str], message: str) -> None:
    text = problem(**parts)
    assert message in text
    assert "monitors.m1" in text
