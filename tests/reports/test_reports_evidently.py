"""The Evidently drift report of one window: content, configured methods, sampling, escaping."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from reports_synthetic import EVIL, embedded_dashboard, prediction_log, walk

from monitor.config.models import DriftConfig, PredictionConfig
from monitor.reports import ReportError, build_drift_report, report_path
from monitor.reports.page import script_safe

pytestmark = pytest.mark.evidently

WINDOW_START = datetime(2026, 3, 1, tzinfo=timezone.utc)
WINDOW_END = datetime(2026, 3, 8, tzinfo=timezone.utc)
MAX_ROWS = 2500


@pytest.fixture(scope="module")
def windows() -> tuple[pd.DataFrame, pd.DataFrame]:
    reference = prediction_log(4000, start="2026-01-01", amount_shift=0.0, seed=1)
    current = prediction_log(3000, start="2026-03-01", amount_shift=1.0, seed=2)
    return reference, current


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, windows: tuple[pd.DataFrame, pd.DataFrame]) -> Path:
    reference, current = windows
    reports_dir = tmp_path_factory.mktemp("reports")
    return build_drift_report(
        monitor_name="fraud-scorer <eu>",
        reference=reference,
        current=current,
        numerical=["amount", "account_age_days", EVIL],
        categorical=["country"],
        drift=DriftConfig(columns={"amount": {"method": "psi", "threshold": 0.2}}),
        prediction=PredictionConfig(column="is_fraud_pred", score="fraud_score", task="classification"),
        target_column="is_fraud",
        window_start=WINDOW_START,
        window_end=WINDOW_END,
        max_rows=MAX_ROWS,
        out_path=report_path(reports_dir, "fraud-scorer <eu>", WINDOW_END),
        timestamp_column="timestamp",
    )


@pytest.fixture(scope="module")
def page(report: Path) -> str:
    return report.read_text(encoding="utf-8")


def drift_rows(page: str) -> dict[str, dict[str, object]]:
    """The data drift table's rows by column name."""
    return {
        str(node["column_name"]): node
        for node in walk(embedded_dashboard(page))
        if "column_name" in node and "stattest_name" in node
    }


def test_report_is_an_evidently_page_at_the_report_path(report: Path, page: str) -> None:
    assert report.name == "2026-03-08T00-00-00.html"
    assert report.parent.parent.is_dir() and report.parent.name != "fraud-scorer <eu>"  # made filesystem-safe
    assert "window.drawDashboard(" in page  # Evidently's renderer entry point
    assert embedded_dashboard(page)["name"] == "Report"
    assert not list(report.parent.glob("*.tmp")) and not list(report.parent.glob(".*.tmp"))


def test_drift_table_uses_the_configured_method_override_and_auto_elsewhere(page: str) -> None:
    rows = drift_rows(page)
    assert set(rows) == {"amount", "account_age_days", EVIL, "country"}
    assert rows["amount"]["stattest_name"] == "PSI"
    # reference > 1000 rows: Evidently's auto picks Wasserstein (numerical) and Jensen-Shannon (categorical)
    assert "Wasserstein" in str(rows["account_age_days"]["stattest_name"])
    assert "Jensen-Shannon" in str(rows["country"]["stattest_name"])
    assert rows["amount"]["data_drift"] == "Detected"  # the injected drift shows
    assert rows["country"]["data_drift"] == "Not Detected"


def test_report_has_classification_quality_and_data_summary(page: str) -> None:
    titles = [str(node.get("title")) for node in walk(embedded_dashboard(page))]
    assert any("Model Quality Metrics" in title for title in titles)
    assert any("RocAuc" in title for title in titles)
    assert "fraud_score (mean +/- std)" in json.dumps(embedded_dashboard(page))  # prediction drift


def test_sampling_note_names_rows_kept_of_rows_in_each_window(page: str) -> None:
    assert f"Sampled {MAX_ROWS} of 3000 rows (deterministic, stratified by time)" in page
    assert f"Sampled {MAX_ROWS} of 4000 rows (deterministic, stratified by time)" in page
    # Quality uses the labelled rows only: 10 % of each window has no target yet.
    assert f"Sampled {MAX_ROWS} of 2700 rows" in page
    assert f"Sampled {MAX_ROWS} of 3600 rows" in page


def test_title_and_banner_name_the_monitor_and_window_escaped(page: str) -> None:
    title = re.search(r"<title>(.*?)</title>", page)
    assert title is not None
    assert "fraud-scorer &lt;eu&gt;" in title.group(1)
    assert "2026-03-01 00:00:00 UTC to 2026-03-08 00:00:00 UTC" in title.group(1)


class ScriptElements(HTMLParser):
    """Counts script start and end tags and keeps the text found outside script elements."""

    def __init__(self) -> None:
        super().__init__()
        self.opened = self.closed = 0
        self.outside_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.opened += 1
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.closed += 1
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if not self._in_script:
            self.outside_scripts.append(data)


def test_column_name_cannot_close_a_script_element(page: str) -> None:
    assert EVIL in drift_rows(page)  # the column is in the report ...
    assert "alert(1)</script>" not in page.lower()  # ... but never as markup
    # Parsed as a browser tokenizes it, every <script> element is closed by its own end tag:
    # none closes early on data (Evidently's bundle holds "<script><\\/script>" in a JS string).
    elements = ScriptElements()
    elements.feed(page)
    elements.close()
    assert elements.opened == elements.closed > 0
    assert not any("alert(1)" in text for text in elements.outside_scripts)


def test_script_safe_json_decodes_to_the_same_value() -> None:
    value = {"name": EVIL + " & \u2028 <!-- -->"}
    escaped = script_safe(json.dumps(value))
    assert "<" not in escaped and ">" not in escaped and "&" not in escaped
    assert json.loads(escaped) == value


def test_empty_window_is_a_report_error(tmp_path: Path, windows: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = windows
    with pytest.raises(ReportError, match="current window has no rows"):
        build_drift_report(
            monitor_name="m",
            reference=reference,
            current=current.iloc[0:0],
            numerical=["amount"],
            categorical=[],
            drift=DriftConfig(),
            prediction=None,
            target_column=None,
            window_start=WINDOW_START,
            window_end=WINDOW_END,
            max_rows=MAX_ROWS,
            out_path=tmp_path / "r.html",
        )
    assert not (tmp_path / "r.html").exists()


def test_monitor_name_in_banner_is_html_escaped(page: str) -> None:
    banner = re.search(r'<header id="monitor-report-banner".*?</header>', page, re.S)
    assert banner is not None
    assert html.escape("fraud-scorer <eu>") in banner.group(0)
