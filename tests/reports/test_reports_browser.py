"""The index and a report, opened in headless Chromium: they render, without JavaScript errors.

Screenshots are kept as test artifacts: under $MONITOR_TEST_ARTIFACTS when set,
else in pytest's temporary directory; their paths are printed (pytest -s, or -rP).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from browser import Chromium, chromium_path
from reports_checked import Checked
from reports_synthetic import EVIL

pytestmark = pytest.mark.evidently

REPORT_STATE = """(() => {
  const root = document.querySelector('[id^="root_metric_"]');
  return {
    banner: document.getElementById('monitor-report-banner')?.innerText || '',
    text: root ? root.innerText : '',
    plots: document.querySelectorAll('.js-plotly-plot').length,
    rendered: root ? root.querySelectorAll('*').length : 0,
    injected: [...document.scripts].some(s => s.textContent.trim() === 'alert(1)'),
  };
})()"""

INDEX_STATE = """(() => ({
  title: document.title,
  rows: document.querySelectorAll('tbody tr').length,
  charts: document.querySelectorAll('svg.trend polyline').length,
  links: [...document.querySelectorAll('a')].map(a => a.getAttribute('href')),
  text: document.body.innerText,
  scripts: document.scripts.length,
}))()"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    pytest.importorskip("websockets.sync.client", reason="the DevTools client needs websockets>=12")
    with Chromium(executable) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("MONITOR_TEST_ARTIFACTS")
    directory = Path(configured) if configured else tmp_path_factory.mktemp("artifacts")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def test_report_renders_in_chromium_without_errors(
    browser: Chromium, checked: Checked, artifacts: Path
) -> None:
    report = Path(checked.results[-1]["report"])
    visit = browser.visit(report.as_uri(), REPORT_STATE, artifacts / "report.png", settle=2.5)
    print(f"report screenshot: {visit.screenshot}")
    assert visit.errors == []
    assert visit.dialogs == []  # the column named <script>alert(1)</script> ran nothing
    state = visit.value
    assert "Drift report: fraud <eu>" in state["banner"]
    assert state["rendered"] > 100 and state["plots"] > 0, "Evidently's dashboard did not draw"
    assert "amount" in state["text"] and EVIL in state["text"]  # the column name shows as text
    assert not state["injected"]
    assert visit.screenshot is not None and visit.screenshot.stat().st_size > 10_000


def test_report_served_by_the_daemon_renders_with_its_shared_renderer(
    browser: Chromium, checked: Checked, artifacts: Path
) -> None:
    from monitor.daemon.http import Endpoints, HTTPServer

    report = Path(checked.results[-1]["report"])
    endpoints = Endpoints(lambda: (True, {}), lambda: b"", lambda: checked.reports)
    server = HTTPServer("127.0.0.1", 0, endpoints)
    server.start()
    try:
        url = f"{server.url}/reports/{quote(report.parent.name)}/{report.name}"
        visit = browser.visit(url, REPORT_STATE, artifacts / "report-served.png", settle=2.5)
    finally:
        server.stop()
    assert visit.errors == [] and visit.dialogs == []
    assert visit.value["rendered"] > 100 and visit.value["plots"] > 0, "the renderer did not load over HTTP"


def test_index_pages_render_in_chromium_without_errors(
    browser: Chromium, checked: Checked, artifacts: Path
) -> None:
    overview = browser.visit(
        (checked.reports / "index.html").as_uri(), INDEX_STATE, artifacts / "index.png", settle=0.3
    )
    monitor_page = Path(checked.results[-1]["report"]).parent / "index.html"
    runs = browser.visit(monitor_page.as_uri(), INDEX_STATE, artifacts / "monitor-index.png", settle=0.3)
    print(f"index screenshots: {overview.screenshot} {runs.screenshot}")
    for visit in (overview, runs):
        assert visit.errors == [] and visit.dialogs == []
        assert visit.value["scripts"] == 0  # static pages: nothing from the data became a script
    assert overview.value["rows"] == 1 and overview.value["charts"] >= 1
    assert "fraud <eu>" in overview.value["text"]
    assert runs.value["rows"] == 3 and runs.value["charts"] >= 1
    assert EVIL in runs.value["text"]  # a drifted column, shown as text
    assert "2026-03-05T00-00-00.html" in runs.value["links"]
