"""The pieces of multivariate drift: the fitted PCA's storable form, the encoding against
scikit-learn and category_encoders, the reference pieces, the config's checks, the
``/metrics`` series and the refusal to push a multivariate monitor down."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from monitor.compute.choose import evaluate_windows
from monitor.config.models import MonitorConfig, MultivariateConfig
from monitor.daemon.metrics import make_registry, render
from monitor.daemon.state import DaemonState
from monitor.errors import ConfigError
from monitor.records.drift import DriftResult, MultivariateDrift
from monitor.records.result import MonitorResult
from monitor.records.windows import Interval, Windows
from monitor.stats.multivariate import (
    Windowed,
    fit_key,
    fit_reconstruction,
    from_bytes,
    multivariate_drift,
    reference_pieces,
    to_bytes,
)
from monitor.stats.multivariate.encoding import fit_encoding

START = datetime(2026, 1, 5, tzinfo=timezone.utc)


def frame(rows: int, seed: int, start: datetime = START, days: int = 10) -> pd.DataFrame:
    generator = np.random.default_rng(seed)
    seconds = np.sort(generator.uniform(0, days * 86_400, rows))
    amount = generator.normal(100, 20, rows)
    amount[::17] = np.nan
    channel = generator.choice(np.array(["web", "app", "shop"], dtype=object), rows, p=[0.5, 0.3, 0.2])
    channel[::23] = None
    return pd.DataFrame(
        {
            "at": pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s"),
            "amount": amount,
            "age": generator.integers(18, 90, rows),
            "income": amount * 3 + generator.normal(0, 5, rows),
            "channel": channel,
        }
    )


def test_the_fit_round_trips_through_bytes_without_pickle() -> None:
    reference = frame(3000, 1)
    pieces = reference_pieces(reference, "at", START, timedelta(days=1))
    fitted = fit_reconstruction(
        reference, ["amount", "age", "income"], ["channel"], pieces, MultivariateConfig()
    )
    data = to_bytes(fitted)
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:  # would raise on a pickled object
        assert sorted(archive.files) == [
            "components",
            "meta",
            "pca_mean",
            "reference_scores",
            "scale",
            "scale_mean",
        ]
    restored = from_bytes(data)
    assert restored is not None
    current = frame(800, 2, START + timedelta(days=10), days=1)
    assert restored.score(current) == fitted.score(current)
    assert (restored.lower, restored.upper) == (fitted.lower, fitted.upper)
    np.testing.assert_array_equal(restored.reference_scores, fitted.reference_scores)


def test_the_encoding_is_scikit_learns_imputation_and_category_encoders_shares() -> None:
    category_encoders = pytest.importorskip(
        "category_encoders", reason="category_encoders comes with NannyML (dev)"
    )
    from sklearn.impute import SimpleImputer

    reference = frame(2000, 3)
    reference["channel"] = reference["channel"].where(reference["channel"].notna(), np.nan)
    current = frame(500, 4)
    current.loc[::5, "channel"] = "kiosk"  # never in the reference: encoded 0
    current["channel"] = current["channel"].where(current["channel"].notna(), np.nan)
    encoding = fit_encoding(reference, ["amount", "age"], ["channel"])

    numbers = SimpleImputer(strategy="mean").fit(reference[["amount", "age"]])
    categories = SimpleImputer(strategy="most_frequent").fit(reference[["channel"]])
    imputed = pd.DataFrame(categories.transform(reference[["channel"]]), columns=["channel"])
    counts = category_encoders.CountEncoder(cols=["channel"], normalize=True).fit(imputed)
    expected = np.column_stack(
        [
            numbers.transform(current[["amount", "age"]]),
            counts.transform(pd.DataFrame(categories.transform(current[["channel"]]), columns=["channel"]))[
                "channel"
            ].to_numpy(dtype=float),
        ]
    )
    np.testing.assert_allclose(encoding.matrix(current), expected, rtol=1e-12)


def test_reference_pieces_are_window_long_from_the_reference_start() -> None:
    reference = frame(5000, 5, days=7)
    pieces = reference_pieces(reference, "at", START, timedelta(days=2))
    assert len(pieces) == 4  # 2 + 2 + 2 + 1 days
    assert sum(len(piece) for piece in pieces) == len(reference)
    for index, piece in enumerate(pieces):
        assert piece["at"].min() >= START + timedelta(days=2 * index)
        assert piece["at"].max() < START + timedelta(days=2 * index + 2)


def test_the_fit_key_changes_with_the_reference_rows_and_the_settings() -> None:
    reference = frame(1000, 6)
    data = Windowed(reference, reference.iloc[:0], "at", START, timedelta(days=1))
    key = fit_key(data, ["amount"], ["channel"], MultivariateConfig())
    assert key == fit_key(data, ["amount"], ["channel"], MultivariateConfig())
    changed = reference.copy()
    changed.loc[10, "amount"] += 1.0
    assert key != fit_key(
        Windowed(changed, changed.iloc[:0], "at", START, timedelta(days=1)),
        ["amount"],
        ["channel"],
        MultivariateConfig(),
    )
    assert key != fit_key(data, ["amount"], ["channel"], MultivariateConfig(n_components=0.8))


class MemoryCache:
    def __init__(self) -> None:
        self.saved: dict[tuple[str, str], bytes] = {}
        self.loads = 0

    def load(self, kind: str, key: str) -> bytes | None:
        self.loads += 1
        return self.saved.get((kind, key))

    def save(self, kind: str, key: str, data: bytes) -> None:
        self.saved[(kind, key)] = data


def test_a_cached_fit_gives_the_same_score() -> None:
    reference, current = frame(3000, 7), frame(600, 8, START + timedelta(days=10), days=1)
    data = Windowed(reference, current, "at", START, timedelta(days=1))
    cache = MemoryCache()
    first = multivariate_drift(data, ["amount", "age", "income"], ["channel"], MultivariateConfig(), cache)
    assert len(cache.saved) == 1
    second = multivariate_drift(data, ["amount", "age", "income"], ["channel"], MultivariateConfig(), cache)
    assert second == first and cache.loads == 2 and len(cache.saved) == 1
    assert first.score is not None and first.threshold is not None


def test_an_empty_window_has_no_score() -> None:
    reference = frame(1000, 9)
    data = Windowed(reference, reference.iloc[:0], "at", START, timedelta(days=1))
    assert multivariate_drift(data, ["amount"], [], MultivariateConfig()) == MultivariateDrift(
        "pca_reconstruction", None, None, None, False
    )


def monitor_config(**multivariate: object) -> MonitorConfig:
    return MonitorConfig.model_validate(
        {
            "source": {"url": "sqlite:///x.db", "table": "t", "timestamp": "at", "compute": "pushdown"},
            "features": {"numerical": ["amount"]},
            "reference": {"previous": "7d"},
            "window": "1d",
            "drift": {"multivariate": multivariate} if multivariate else {},
            "alerts": [{"rule": "multivariate_drift"}],
        }
    )


def test_options_of_the_other_method_and_bad_shares_are_refused() -> None:
    with pytest.raises(ValidationError, match="cv_folds is for method domain_classifier"):
        monitor_config(method="pca_reconstruction", cv_folds=3)
    with pytest.raises(ValidationError, match="n_components is for method pca_reconstruction"):
        monitor_config(method="domain_classifier", n_components=0.9)
    with pytest.raises(ValidationError, match="a share of variance is below 1"):
        monitor_config(n_components=1.5)
    with pytest.raises(ValidationError, match="method"):
        monitor_config(method="umap")


def test_the_rule_alone_measures_with_pca_reconstruction() -> None:
    assert monitor_config().multivariate == MultivariateConfig()


def test_pushdown_is_refused_for_a_multivariate_monitor() -> None:
    windows = Windows(Interval(START, START + timedelta(days=1)), Interval(START - timedelta(days=7), START))
    with pytest.raises(ConfigError, match="multivariate drift"):
        evaluate_windows(monitor_config(), windows)


def test_metrics_expose_the_score_and_both_bounds() -> None:
    state = DaemonState()
    state.set_monitors({"loans": "every 1h"})
    windows = Windows(Interval(START, START + timedelta(days=1)), Interval(START - timedelta(days=7), START))
    drift = DriftResult(
        [], 0.0, False, multivariate=MultivariateDrift("pca_reconstruction", 1.31, 1.25, 1.05, True)
    )
    result = MonitorResult("loans", windows, rows=10, reference_rows=70, drift=drift)
    state.run_succeeded("loans", result, [], START, 0.1)
    text = render(make_registry(state)).decode()
    labels = 'method="pca_reconstruction",monitor="loans",segment=""'
    assert f"monitor_multivariate_drift_score{{{labels}}} 1.31" in text
    assert f'monitor_multivariate_drift_threshold{{bound="upper",{labels}}} 1.25' in text
    assert f'monitor_multivariate_drift_threshold{{bound="lower",{labels}}} 1.05' in text
    assert f"monitor_multivariate_drift{{{labels}}} 1.0" in text


@pytest.mark.parametrize(
    "channel",
    [
        {"type": "slack", "url": "https://hooks.slack.com/services/T/B/x"},
        {"type": "msteams", "url": "https://example.webhook.office.com/x"},
        {"type": "webhook", "url": "https://receiver.example/hook"},
        {"type": "pagerduty", "routing_key": "R0UTINGKEY"},
    ],
)
def test_every_chat_and_paging_channel_carries_the_rules_line(channel: dict[str, str]) -> None:
    from monitor.alerts.channels import make_channel
    from monitor.alerts.rules import evaluate
    from monitor.config.models import AlertRuleConfig, ChannelConfig
    from monitor.records.events import AlertEvent, Notification

    windows = Windows(Interval(START, START + timedelta(days=1)), Interval(START - timedelta(days=7), START))
    drift = DriftResult(
        [], 0.0, False, multivariate=MultivariateDrift("domain_classifier", 0.91, 0.65, 0.45, True)
    )
    result = MonitorResult("loans", windows, rows=10, reference_rows=70, drift=drift)
    [outcome] = evaluate(AlertRuleConfig.model_validate({"rule": "multivariate_drift"}), result)
    assert (outcome.rule, outcome.subject, outcome.breaching) == ("multivariate_drift", "loans", True)
    assert outcome.summary == (
        "loans: multivariate drift detected (domain_classifier 0.91, threshold 0.65, lower bound 0.45)"
    )
    event = AlertEvent(
        "a1",
        "loans",
        outcome.rule,
        outcome.subject,
        "firing",
        "warning",
        outcome.summary,
        outcome.value,
        outcome.threshold,
        START,
        None,
        windows.current.start,
        windows.current.end,
    )
    body, _ = make_channel("out", ChannelConfig.model_validate(channel)).render(
        Notification("d1", "out", "loans", (event,)), START
    )
    assert "multivariate drift detected (domain_classifier 0.91, threshold 0.65" in body.decode()
    assert "multivariate_drift" in body.decode()


def test_more_components_than_features_is_a_config_error_naming_the_key() -> None:
    reference = frame(500, 10)
    with pytest.raises(ConfigError) as raised:
        fit_reconstruction(reference, ["amount", "age"], [], [reference], MultivariateConfig(n_components=3))
    assert raised.value.key == "drift.multivariate.n_components"
    assert "3 components asked for, but the monitor has 2 feature(s)" in str(raised.value)


def test_the_report_header_states_the_multivariate_verdict() -> None:
    from monitor.reports.header import verdict_line

    windows = Windows(Interval(START, START + timedelta(days=1)), Interval(START - timedelta(days=7), START))
    drift = MultivariateDrift("pca_reconstruction", 1.31, 1.25, 1.05, True)
    result = MonitorResult("loans", windows, rows=10, drift=DriftResult([], 0.0, False, multivariate=drift))
    line = verdict_line(result.to_dict())
    assert (
        'Multivariate drift: <span class="bad">detected</span>, pca_reconstruction 1.31 (threshold 1.25)'
        in line
    )
    quiet = MonitorResult("loans", windows, rows=10, drift=DriftResult([], 0.0, False))
    assert "Multivariate" not in verdict_line(quiet.to_dict())
