"""Trends over a monitor's history: `monitor check` and `monitor backfill` on a real SQLite log,
then what `monitor history` prints and what the index pages draw.

Expected values come from the data and scikit-learn (the oracle for roc_auc), never from the
pages themselves.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape

from monitor.cli.main import main

pytestmark = pytest.mark.evidently

ODD = "[bold]<b>odd</b>"  # markup for rich and for HTML alike: must show as text
MONITOR = "scorer"
BARS = "▁▂▃▄▅▆▇█"
LIVE_ENDS = ("2026-01-20", "2026-01-21")
BACKFILL = ("2026-01-12", "2026-01-18")  # seven daily windows, one of them (ending 01-16) empty
CONFIG = """\
store: sqlite:///state.db
reports: {when: alert}  # the index is refreshed by the backfill
monitors:
  scorer:
    source: {url: "sqlite:///log.db", table: predictions, timestamp: ts}
    features: {numerical: [amount, "[bold]<b>odd</b>"], categorical: [country]}
    prediction: {column: label_pred, score: score, task: classification}
    target: {column: label}
    reference: {start: "2026-01-01", end: "2026-01-08"}
    window: 1d
    drift:
      columns:
        amount: {method: psi, threshold: 0.2}
        "[bold]<b>odd</b>": {method: ks, threshold: 0.05}
    alerts:
      - {rule: performance_drop, metric: roc_auc, max_drop: 0.9}
"""


def _log() -> pd.DataFrame:
    """Daily rows from 2026-01-01 to 01-21 but none on 01-15; amount drifts and the labels
    decouple from the score from 01-10 on, more each day."""
    rng = np.random.default_rng(11)
    times = pd.date_range("2026-01-01", "2026-01-21", freq="6min", inclusive="left")
    times = times[times.normalize() != pd.Timestamp("2026-01-15")]
    days = np.clip(np.asarray((times - pd.Timestamp("2026-01-10")).days, dtype=float), 0.0, None)
    rows = len(times)
    score = rng.uniform(0, 1, rows)
    noise = np.minimum(days / 10.0, 1.0)  # 0: labels follow the score, 1: pure chance
    informed = rng.uniform(0, 1, rows) < score
    label = np.where(rng.uniform(0, 1, rows) < noise, rng.integers(0, 2, rows), informed).astype(int)
    return pd.DataFrame(
        {
            "ts": times.strftime("%Y-%m-%d %H:%M:%S"),
            "amount": rng.gamma(2.0, 50.0, rows) * (1.0 + 0.15 * days),
            ODD: rng.normal(0.0, 1.0, rows),
            "country": rng.choice(["de", "fr", "no"], rows),
            "score": score,
            "label_pred": (score > 0.5).astype(int),
            "label": label,
        }
    )


def _cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue()


@dataclass(frozen=True)
class History:
    config: Path
    reports: Path
    log: pd.DataFrame
    runs: list[dict]  # `history --json` runs, as stored


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    directory = tmp_path_factory.mktemp("history-trends")
    log = _log()
    with contextlib.closing(sqlite3.connect(directory / "log.db")) as connection:
        log.to_sql("predictions", connection, index=False)
    config = directory / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    for at in LIVE_ENDS:
        code, out = _cli("check", "-c", str(config), "--at", at)
        assert code in (0, 1), out
    code, out = _cli("backfill", "-c", str(config), "--from", BACKFILL[0], "--to", BACKFILL[1])
    assert code == 0, out
    code, out = _cli("history", "-c", str(config), "-m", MONITOR, "--last", "50", "--json")
    assert code == 0
    return History(config, directory / "reports", log, json.loads(out)["runs"])


def _roc_auc(log: pd.DataFrame, end: str, days: int = 1) -> float:
    from sklearn.metrics import roc_auc_score

    stop = datetime.fromisoformat(end)
    times = pd.to_datetime(log["ts"])
    window = log[(times >= stop - timedelta(days=days)) & (times < stop)]
    return float(roc_auc_score(window["label"], window["score"]))


def _roc_aucs(log: pd.DataFrame) -> list[float]:
    """Every window's roc_auc and the reference's: the values the performance chart draws."""
    windows = [_roc_auc(log, end) for end in _window_ends() if end != "2026-01-16"]
    return [*windows, _roc_auc(log, "2026-01-08", days=7)]


def _window_ends() -> list[str]:
    start = datetime.fromisoformat(BACKFILL[0])
    backfilled = [(start + timedelta(days=d)).date().isoformat() for d in range(7)]
    return [*backfilled, *LIVE_ENDS]


def test_history_prints_each_columns_trend_with_method_and_threshold(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    code, out = _cli("history", "-c", str(history.config), "-m", MONITOR, "--last", "50")
    assert code == 0
    assert f"{len(_window_ends())} run(s), newest window first" in out
    lines = out.splitlines()
    amount = next(line for line in lines if line.startswith("amount "))
    assert "psi" in amount and "≥ 0.2" in amount
    # one bar per window, oldest first: the empty window a gap, the growing shift of amount rising
    found = re.search(r"([▁▂▃▄▅▆▇█][▁▂▃▄▅▆▇█ ]{7}[▁▂▃▄▅▆▇█])", amount)
    assert found is not None, amount
    bars = found.group(1)
    assert bars[4] == " " and BARS.index(bars[0]) < BARS.index(bars[-1])
    # without colour (a pipe) the drifted windows are counted: as many as the stored runs say
    scored = [c for run in history.runs for c in run["result"]["drift"]["columns"] if c["column"] == "amount"]
    drifted_windows = sum(c["drifted"] for c in scored)
    assert 0 < drifted_windows < 8 and f"{drifted_windows} of 8" in amount
    odd = next(line for line in lines if line.startswith(ODD))  # printed as text, not as markup
    assert "ks" in odd and "p < 0.05" in odd
    # the columns that drifted in the newest window come first
    newest = next(run for run in history.runs if run["window"]["end"].startswith(LIVE_ENDS[-1]))
    drifted = [c["column"] for c in newest["result"]["drift"]["columns"] if c["drifted"]]
    steady = [c["column"] for c in newest["result"]["drift"]["columns"] if not c["drifted"]]
    assert "amount" in drifted and steady
    position = {
        name: next(i for i, line in enumerate(lines) if line.startswith(name + " "))
        for name in [*drifted, *steady]
    }
    assert max(position[name] for name in drifted) < min(position[name] for name in steady)


def test_history_marks_history_runs_and_orders_by_window_end(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    code, out = _cli("history", "-c", str(history.config), "-m", MONITOR, "--last", "50")
    assert code == 0
    body = out[out.index("newest window first") :]
    ends = re.findall(r"│ (2026-01-\d\d) 00:00 \(1d\)", body)
    assert ends == sorted(_window_ends(), reverse=True)  # backfilled after the live runs, shown by window
    assert body.count("history") == 7
    assert "no_data" in body


def _figure(page: str, title: str) -> str:
    """The <figure> whose caption starts with ``title``."""
    for figure in re.findall(r"<figure class=\"chart\">(.*?)</figure>", page, re.S):
        if re.search(rf"<figcaption><strong>{re.escape(title)}</strong>", figure):
            return figure
    raise AssertionError(f"no chart titled {title!r}")


def test_monitor_page_plots_each_column_against_its_threshold(history: History) -> None:
    page = (history.reports / MONITOR / "index.html").read_text(encoding="utf-8")
    amount = _figure(page, "amount")
    assert "psi, drift at ≥ 0.2" in amount and "threshold 0.2" in amount
    assert amount.count("<circle") == len(_window_ends()) - 1  # the empty window has no score
    odd = _figure(page, str(escape(ODD)))
    assert "ks, drift at p &lt; 0.05" in odd and "threshold 0.05" in odd
    assert ODD not in page and "<b>odd" not in page


def test_performance_has_its_own_axis_over_the_metrics_real_range(history: History) -> None:
    aucs = _roc_aucs(history.log)
    low, high = min(aucs), max(aucs)
    assert high - low > 0.2  # the metric really falls
    page = (history.reports / MONITOR / "index.html").read_text(encoding="utf-8")
    performance = _figure(page, "Performance: roc_auc")
    assert f"roc_auc, {low:.3g} to {high:.3g}" in performance
    ticks = [float(t) for t in re.findall(r'<text class="tick"[^>]*>([-0-9.e]+)</text>', performance)]
    assert len(ticks) >= 3
    margin = (high - low) * 0.25
    assert low - margin <= min(ticks) and max(ticks) <= high + margin  # not the 0-1 drift axis
    drift = _figure(page, "Dataset drift share")
    # the configured share (the default, 0.5) as the threshold of the drift share
    assert "drift share, 0 to 1; dataset drift at ≥ 0.5" in drift and "threshold 0.5" in drift
    assert re.findall(r'<text class="tick"[^>]*>([-0-9.e]+)</text>', drift)[::-1][0] == "1"


def test_overview_trend_cell_labels_each_line_and_its_range(history: History) -> None:
    aucs = _roc_aucs(history.log)
    page = (history.reports / "index.html").read_text(encoding="utf-8")
    labels = re.findall(r'<div class="mini-label">(.*?)</div>', page, re.S)
    assert len(labels) == 2
    assert "drift share, 0 to 1" in labels[0]
    assert f"roc_auc, {min(aucs):.3g} to {max(aucs):.3g}" in labels[1] and "reference" in labels[1]


def test_pages_mark_history_runs_and_style_no_data(history: History) -> None:
    page = (history.reports / MONITOR / "index.html").read_text(encoding="utf-8")
    assert "newest window first" in page
    rows = re.findall(r"<tr(?: class=\"history\")?>(.*?)</tr>", page.split("<tbody>", 1)[1], re.S)
    assert len(rows) == len(_window_ends())
    history_rows = [row for row in rows if 'class="badge"' in row]
    assert len(history_rows) == 7 and page.count('<tr class="history">') == 7
    assert all('class="badge"' not in row for row in rows[:2])  # the live, newest windows
    no_data = [row for row in rows if "status-no_data" in row]
    assert len(no_data) == 1 and "2026-01-16 00:00 UTC" in no_data[0]
    assert ".status-no_data" in page  # styled, not the unknown style


WIDE_CONFIG = """\
store: sqlite:///state.db
reports: {when: alert}
monitors:
  wide:
    source: {url: "sqlite:///log.db", table: predictions, timestamp: ts}
    features: {numerical: [%s]}
    reference: {start: "2026-01-01", end: "2026-01-08"}
    window: 1d
    drift: {method: psi, threshold: 0.2}
"""


def test_wide_tables_show_the_drifted_column_first_and_count_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(5)
    times = pd.date_range("2026-01-01", "2026-01-12", freq="10min", inclusive="left")
    late = np.asarray(times >= pd.Timestamp("2026-01-10"))
    columns = {f"c{index:02d}": rng.normal(0.0, 1.0, len(times)) for index in range(30)}
    columns["c29"] = columns["c29"] + 3.0 * late  # the last column by name drifts in the newest windows
    log = pd.DataFrame({"ts": times.strftime("%Y-%m-%d %H:%M:%S"), **columns})
    with contextlib.closing(sqlite3.connect(tmp_path / "log.db")) as connection:
        log.to_sql("predictions", connection, index=False)
    config = tmp_path / "config.yaml"
    config.write_text(WIDE_CONFIG % ", ".join(columns), encoding="utf-8")
    code, out = _cli("backfill", "-c", str(config), "--from", "2026-01-09", "--to", "2026-01-12")
    assert code == 0, out
    monkeypatch.setenv("COLUMNS", "160")

    code, out = _cli("history", "-c", str(config), "-m", "wide")

    assert code == 0
    listed = [line.split()[0] for line in out.splitlines() if re.match(r"c\d\d ", line)]
    assert len(listed) == 12 and listed[0] == "c29"
    assert "18 more column(s) left out" in out
    page = (tmp_path / "reports" / "wide" / "index.html").read_text(encoding="utf-8")
    titles = re.findall(r"<figcaption><strong>(c\d\d)</strong>", page)
    assert len(titles) == 24 and titles[0] == "c29"
    assert "6 more columns left out" in page


PAGE_STATE = """(() => ({
  charts: document.querySelectorAll('figure.chart svg').length,
  hollow: document.querySelectorAll('svg.trend circle[fill="#ffffff"]').length,
  badges: document.querySelectorAll('.badge').length,
  scripts: document.scripts.length,
  text: document.body.innerText,
}))()"""


def test_history_page_renders_in_chromium_without_errors(history: History, tmp_path: Path) -> None:
    from browser import Chromium, chromium_path

    executable = chromium_path()
    if executable is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    pytest.importorskip("websockets.sync.client", reason="the DevTools client needs websockets>=12")
    page = history.reports / MONITOR / "index.html"
    with Chromium(executable) as chromium:
        visit = chromium.visit(page.as_uri(), PAGE_STATE, tmp_path / "history.png", settle=0.3)
    assert visit.errors == [] and visit.dialogs == []
    state = visit.value
    assert state["scripts"] == 0
    assert state["charts"] == 2 + 4  # drift share, performance; amount, odd, country, the prediction
    assert state["badges"] == 7 and state["hollow"] > 0
    assert ODD in state["text"]  # the column name shows as text
