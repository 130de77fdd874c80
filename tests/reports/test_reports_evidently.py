"""The HTML report of a run: the check's own numbers, shared renderer, charts, escaping.

Runs come from real `monitor check` runs over a SQLite log (the session's ``checked``
fixture); confusion matrices are checked against scikit-learn on the window's rows.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from reports_checked import MONITOR, Checked, run_cli
from reports_synthetic import EVIL, embedded_dashboard, prediction_log, walk

from monitor.reports import ReportError, build_drift_report
from monitor.reports.page import script_safe

RUN_JSON = re.compile(r'<script type="application/json" id="monitor-run">(.*?)</script>', re.S)


def embedded_run(page: str) -> dict[str, Any]:
    match = RUN_JSON.search(page)
    assert match is not None, "no run document in the page"
    document: dict[str, Any] = json.loads(match.group(1))
    return document


def drift_rows(page: str) -> dict[str, dict[str, Any]]:
    """The drift table's rows by column name."""
    return {
        str(node["column_name"]): node
        for node in walk(embedded_dashboard(page))
        if "column_name" in node and "stattest_name" in node
    }


def banner_text(page: str) -> str:
    banner = re.search(r'<header id="monitor-report-banner">.*?</header>', page, re.S)
    assert banner is not None
    return html.unescape(re.sub(r"<[^>]+>", " ", banner.group(0)))


@pytest.fixture(scope="module")
def kept(checked: Checked) -> list[dict[str, Any]]:
    """The runs whose report is still there (``reports.keep: 2`` pruned the oldest)."""
    runs = [result for result in checked.results if Path(result["report"]).is_file()]
    assert len(runs) == 2
    return runs


@pytest.fixture(scope="module")
def pages(kept: list[dict[str, Any]]) -> list[str]:
    return [Path(result["report"]).read_text(encoding="utf-8") for result in kept]


def test_report_is_a_page_at_the_report_path(checked: Checked, pages: list[str]) -> None:
    report = Path(checked.results[-1]["report"])
    assert report.name == "2026-03-05T00-00-00.html"
    assert report.parent.parent == checked.reports and report.parent.name != MONITOR  # made filesystem-safe
    assert "window.drawDashboard(" in pages[-1]  # Evidently's renderer entry point
    assert embedded_dashboard(pages[-1])["name"] == "Report"
    assert not list(report.parent.glob("*.tmp")) and not list(report.parent.glob(".*.tmp"))


def test_renderer_is_written_once_and_shared_by_every_page(
    checked: Checked, kept: list[dict[str, Any]], pages: list[str]
) -> None:
    (bundle,) = (checked.reports / "_static").glob("evidently-*.js")
    assert bundle.stat().st_size > 1_000_000  # the whole renderer lives here, once
    for result, page in zip(kept, pages, strict=True):
        report = Path(result["report"])
        sources = re.findall(r'<script src="([^"]+)"></script>', page)
        assert sources == [f"../_static/{bundle.name}"]
        assert (report.parent / sources[0]).resolve() == bundle.resolve()
        fonts = re.findall(r"url\(([^)]+)\) format\('woff2'\)", page)
        assert len(fonts) == 1 and (report.parent / fonts[0]).is_file()
        assert report.stat().st_size < 500_000


def test_report_states_the_checks_own_numbers(kept: list[dict[str, Any]], pages: list[str]) -> None:
    for result, page in zip(kept, pages, strict=True):
        assert embedded_run(page) == result  # the very document `monitor check --json` printed
        rows = drift_rows(page)
        judged = [*result["drift"]["columns"], result["prediction_drift"]]
        assert set(rows) == {entry["column"] for entry in judged}
        banner = banner_text(page)
        for entry in judged:
            row = rows[entry["column"]]
            assert row["drift_score"] == entry["score"] and row["threshold"] == entry["threshold"]
            assert row["data_drift"] == ("Detected" if entry["drifted"] else "Not Detected")
            assert f"{entry['score']:.6g}" in banner
        assert rows["amount"]["stattest_name"] == "PSI"  # the configured override
        for metric in result["performance"]["metrics"]:
            assert f"{metric['current']:.6g}" in banner and f"{metric['reference']:.6g}" in banner
        firing = [f"{a['rule']} {a['subject']}" for a in result["alerts"] if a["status"] == "firing"]
        assert all(name in banner for name in firing)


def _window_rows(checked: Checked, start: str, end: str) -> pd.DataFrame:
    with sqlite3.connect(checked.config.parent / "log.db") as connection:
        query = "SELECT * FROM predictions WHERE timestamp >= ? AND timestamp < ?"
        frame = pd.read_sql(query, connection, params=(start, end))
    connection.close()
    return frame


def test_confusion_matrix_counts_every_labelled_row_of_the_prediction_column(
    checked: Checked, pages: list[str]
) -> None:
    from sklearn.metrics import confusion_matrix

    result, page = checked.results[-1], pages[-1]
    window = _window_rows(checked, "2026-03-03 00:00:00", "2026-03-05 00:00:00")
    assert len(window) == result["window"]["rows"]
    labelled = window.dropna(subset=["is_fraud", "is_fraud_pred"])
    expected = confusion_matrix(labelled["is_fraud"].astype(int), labelled["is_fraud_pred"], labels=[0, 1])
    (heatmap,) = [
        trace
        for node in walk(embedded_dashboard(page))
        if node.get("title") == "Current: confusion matrix"
        for trace in node["params"]["data"]
    ]
    assert heatmap["x"] == ["0", "1"] and heatmap["y"] == ["0", "1"]
    assert np.array_equal(np.array(heatmap["z"]), expected)


def test_charts_are_sampled_and_the_header_says_so(checked: Checked, pages: list[str]) -> None:
    rows = checked.results[-1]["window"]["rows"]
    assert rows > 1000  # the config's reports.max_rows
    assert f"Charts drawn from a sample of 1000 of {rows} current" in banner_text(pages[-1])


def test_title_and_banner_name_the_monitor_and_window_escaped(pages: list[str]) -> None:
    title = re.search(r"<title>(.*?)</title>", pages[-1])
    assert title is not None
    assert "fraud &lt;eu&gt;" in title.group(1)
    assert "2026-03-03 00:00:00 UTC to 2026-03-05 00:00:00 UTC" in title.group(1)
    assert html.escape(f"Drift report: {MONITOR}") in pages[-1]


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


def test_column_name_cannot_close_a_script_element(pages: list[str]) -> None:
    page = pages[-1]
    assert EVIL in drift_rows(page)  # the column is in the report ...
    assert "alert(1)</script>" not in page.lower()  # ... but never as markup
    elements = ScriptElements()
    elements.feed(page)
    elements.close()
    # data, run document, the `global` shim, the renderer, the draw call: nothing more
    assert elements.opened == elements.closed == 5
    assert any(EVIL in text for text in elements.outside_scripts)  # the header shows the name as text


def test_script_safe_json_decodes_to_the_same_value() -> None:
    value = {"name": EVIL + " & \u2028 <!-- -->"}
    escaped = script_safe(json.dumps(value))
    assert "<" not in escaped and ">" not in escaped and "&" not in escaped
    assert json.loads(escaped) == value


def test_report_outside_the_reports_folder_is_one_self_contained_file(
    checked: Checked, tmp_path: Path
) -> None:
    out = tmp_path / "elsewhere" / "report.html"
    at = "2026-03-05"
    code, _ = run_cli("report", "-c", str(checked.config), "-m", MONITOR, "--at", at, "-o", str(out))
    assert code == 0
    page = out.read_text(encoding="utf-8")
    assert "<script src=" not in page and "data:font/woff2;base64," in page
    assert out.stat().st_size > 3_000_000  # the renderer inline
    assert not (out.parent / "_static").exists()


def _run(window_rows: int) -> dict[str, Any]:
    window = {"start": "2026-03-01T00:00:00+00:00", "end": "2026-03-08T00:00:00+00:00", "rows": window_rows}
    return {"monitor": "m", "window": window, "reference": {**window, "rows": 4000}, "drift": None}


def test_empty_window_is_a_report_error(tmp_path: Path) -> None:
    reference = prediction_log(4000, start="2026-01-01", amount_shift=0.0, seed=1)
    with pytest.raises(ReportError, match="current window has no rows"):
        build_drift_report(
            monitor_name="m",
            run=_run(0),
            reference=reference,
            current=reference.iloc[0:0],
            prediction=None,
            target_column=None,
            max_rows=2500,
            out_path=tmp_path / "r.html",
        )
    assert not (tmp_path / "r.html").exists()


def test_report_speed_does_not_depend_on_evidently_python(tmp_path: Path) -> None:
    """The page is built without importing Evidently's Python package (its import alone takes seconds)."""
    import subprocess
    import sys

    script = (
        "import sys, pandas as pd\n"
        "from pathlib import Path\n"
        "from monitor.reports import build_drift_report\n"
        "frame = pd.DataFrame({'x': range(100)})\n"
        "run = {'monitor': 'm', 'window': {'start': '2026-03-01T00:00:00+00:00', "
        "'end': '2026-03-08T00:00:00+00:00', 'rows': 100}, 'drift': {'share': 1.0, 'dataset_drift': True, "
        "'columns': [{'column': 'x', 'kind': 'numerical', 'method': 'ks', 'score': 0.0, 'threshold': 0.05, "
        "'drifted': True}]}}\n"
        "run['reference'] = run['window']\n"
        f"build_drift_report(monitor_name='m', run=run, reference=frame, current=frame, prediction=None, "
        f"target_column=None, max_rows=50, out_path=Path({str(tmp_path / 'r' / 'x.html')!r}), "
        f"reports_dir=Path({str(tmp_path / 'r')!r}))\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'evidently'))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert (tmp_path / "r" / "x.html").stat().st_size < 100_000


def test_roc_curve_is_scikit_learns_on_a_window_below_the_cap(tmp_path: Path) -> None:
    from sklearn.metrics import roc_curve

    from monitor.config.models import PredictionConfig

    frames = {
        name: prediction_log(150, start=start, amount_shift=0.0, seed=seed).dropna(subset=["is_fraud"])
        for name, start, seed in (("reference", "2026-01-01", 3), ("current", "2026-03-01", 4))
    }
    run = {**_run(len(frames["current"])), "performance": {"rows_with_target": 1, "metrics": []}}
    page = build_drift_report(
        monitor_name="m",
        run=run,
        reference=frames["reference"],
        current=frames["current"],
        prediction=PredictionConfig(column="is_fraud_pred", score="fraud_score"),
        target_column="is_fraud",
        max_rows=2500,
        out_path=tmp_path / "r" / "m" / "x.html",
        reports_dir=tmp_path / "r",
    ).read_text(encoding="utf-8")
    (figure,) = [node for node in walk(embedded_dashboard(page)) if node.get("title") == "ROC curve"]
    for trace in figure["params"]["data"]:
        frame = frames[trace["name"]]
        fpr, tpr, _ = roc_curve(frame["is_fraud"], frame["fraud_score"], drop_intermediate=False)
        assert np.allclose(trace["x"], fpr, atol=1e-5) and np.allclose(trace["y"], tpr, atol=1e-5)


def test_a_wide_monitors_numbers_are_folded_below_its_verdict(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({f"c{i}": rng.normal(size=200) for i in range(41)})
    columns = [
        {
            "column": f"c{i}",
            "kind": "numerical",
            "method": "ks",
            "score": 0.5,
            "threshold": 0.05,
            "drifted": False,
        }
        for i in range(41)
    ]
    run = {**_run(200), "drift": {"share": 0.0, "dataset_drift": False, "columns": columns}, "alerts": []}
    page = build_drift_report(
        monitor_name="wide",
        run=run,
        reference=frame,
        current=frame,
        prediction=None,
        target_column=None,
        max_rows=2500,
        out_path=tmp_path / "wide.html",
    ).read_text(encoding="utf-8")
    header = page.split('<header id="monitor-report-banner">', 1)[1].split("<details", 1)
    assert "Dataset drift:" in header[0] and "No alert rule is firing." in header[0]
    assert header[1].startswith(">") and "<td>c40</td>" in header[1]  # folded, not open
