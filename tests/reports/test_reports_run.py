"""Reports end to end: `monitor check` writes them, prunes them, indexes them; `monitor report`, `history`."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from markupsafe import escape
from reports_checked import MONITOR, RUN_TIMES, Checked, run_cli
from reports_synthetic import EVIL, embedded_dashboard, walk

pytestmark = pytest.mark.evidently


def _index_pages(reports: Path) -> list[Path]:
    return sorted(reports.rglob("index.html"))


def test_json_names_the_written_report_at_the_window_end(checked: Checked) -> None:
    newest = checked.results[-1]
    assert newest["error"] is None
    report = Path(newest["report"])
    assert report.is_file()
    assert report.name == "2026-03-05T00-00-00.html"
    assert report.parent.parent == checked.reports


def test_report_is_an_evidently_drift_report_that_agrees_with_the_check(checked: Checked) -> None:
    newest = checked.results[-1]
    page = Path(newest["report"]).read_text(encoding="utf-8")
    assert "window.drawDashboard(" in page
    rows = {
        str(node["column_name"]): node
        for node in walk(embedded_dashboard(page))
        if "column_name" in node and "stattest_name" in node
    }
    checked_columns = {c["column"]: c for c in newest["drift"]["columns"]}
    assert set(rows) == set(checked_columns)
    assert EVIL in rows
    assert rows["amount"]["stattest_name"] == "PSI"
    reported = {column for column, row in rows.items() if row["data_drift"] == "Detected"}
    alerted = {column for column, drift in checked_columns.items() if drift["drifted"]}
    assert reported == alerted and {"amount", EVIL} <= alerted


def test_large_windows_are_sampled_and_the_report_says_so(checked: Checked) -> None:
    newest = checked.results[-1]
    page = Path(newest["report"]).read_text(encoding="utf-8")
    rows = newest["window"]["rows"]
    assert rows > 1000
    assert f"Sampled 1000 of {rows} rows (deterministic, stratified by time)" in page


def test_keep_prunes_all_but_the_newest_reports(checked: Checked) -> None:
    monitor_dir = Path(checked.results[-1]["report"]).parent
    kept = sorted(p.name for p in monitor_dir.glob("2026-*.html"))
    assert kept == ["2026-03-04T00-00-00.html", "2026-03-05T00-00-00.html"]


def test_no_index_page_holds_a_column_name_unescaped(checked: Checked) -> None:
    pages = _index_pages(checked.reports)
    assert checked.reports / "index.html" in pages and len(pages) == 2
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text.lower(), page
        assert EVIL not in text and "alert(1)</script>" not in text, page
        assert escape(MONITOR) in text
    monitor_page = Path(checked.results[-1]["report"]).parent / "index.html"
    assert escape(EVIL) in monitor_page.read_text(encoding="utf-8")  # drifted columns are listed


def _table_rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def test_monitor_index_lists_every_run_newest_first_with_links(checked: Checked) -> None:
    monitor_dir = Path(checked.results[-1]["report"]).parent
    page = (monitor_dir / "index.html").read_text(encoding="utf-8")
    rows = _table_rows(page)
    assert len(rows) == len(RUN_TIMES)
    window_ends = [re.findall(r"2026-03-0\d 00:00 UTC", row)[-1] for row in rows]
    assert window_ends == ["2026-03-05 00:00 UTC", "2026-03-04 00:00 UTC", "2026-03-03 00:00 UTC"]
    assert 'href="2026-03-05T00-00-00.html"' in rows[0]
    assert 'href="2026-03-04T00-00-00.html"' in rows[1]
    assert "deleted" in rows[2] and "href" not in rows[2]  # pruned by keep: 2
    first = checked.results[0]["performance"]["metrics"]
    roc_auc = next(m for m in first if m["metric"] == "roc_auc")
    assert f"roc_auc {roc_auc['current']:.3g}" in rows[2]
    assert "<svg" in page and "<polyline" in page  # the trend chart, inline


def test_overview_links_each_monitor_page_and_its_latest_report(checked: Checked) -> None:
    page = (checked.reports / "index.html").read_text(encoding="utf-8")
    monitor_dir = Path(checked.results[-1]["report"]).parent.name
    assert f'href="{monitor_dir}/index.html"' in page
    assert f'href="{monitor_dir}/2026-03-05T00-00-00.html"' in page
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")


def test_history_shows_runs_and_sparklines(checked: Checked, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out = run_cli("history", "-c", str(checked.config), "-m", MONITOR, "--last", "2")
    assert code == 0
    assert "2 run(s), newest first" in out
    assert re.search(r"drift share\s+[▁▂▃▄▅▆▇█]{2}", out)
    assert re.search(r"roc_auc\s+[▁▂▃▄▅▆▇█ ]{2}", out)
    assert out.index("2026-03-05 00:00") < out.index("2026-03-04 00:00")
    assert "2026-03-03 00:00" not in out  # --last 2


def test_history_of_an_unknown_monitor_is_a_usage_error(checked: Checked) -> None:
    code, _ = run_cli("history", "-c", str(checked.config), "-m", "nope")
    assert code == 2


def test_report_url_is_the_daemons_reports_path_without_base_url(checked: Checked) -> None:
    from monitor.alerts.notify import report_url
    from monitor.config import load_config

    config = load_config(checked.config)
    report = Path(checked.results[-1]["report"])
    monitor_dir = report.parent.name
    expected = f"http://127.0.0.1:9199/reports/{monitor_dir}/2026-03-05T00-00-00.html"
    assert report_url(config, report) == expected
    with_base = config.model_copy(
        update={"reports": config.reports.model_copy(update={"base_url": "https://mon.example/r/"})}
    )
    assert report_url(with_base, report) == f"https://mon.example/r/{monitor_dir}/2026-03-05T00-00-00.html"
    # A daemon bound to every interface links with this machine's name, not 0.0.0.0.
    on_all_interfaces = config.model_copy(
        update={"server": config.server.model_copy(update={"host": "0.0.0.0"})}
    )
    url = report_url(on_all_interfaces, report)
    assert url == f"http://{socket.getfqdn()}:9199/reports/{monitor_dir}/2026-03-05T00-00-00.html"


def test_report_command_writes_on_demand(checked: Checked, tmp_path: Path) -> None:
    output = tmp_path / "on-demand.html"
    code, out = run_cli(
        "report", "-c", str(checked.config), "-m", MONITOR, "--at", RUN_TIMES[0], "-o", str(output)
    )
    assert code == 0 and Path(out.strip()) == output
    page = output.read_text(encoding="utf-8")
    assert "window.drawDashboard(" in page
    assert "2026-03-01 00:00:00 UTC to 2026-03-03 00:00:00 UTC" in page


def test_report_of_an_empty_window_is_a_usage_error_naming_it(
    checked: Checked, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "empty.html"
    code, _ = run_cli(
        "report", "-c", str(checked.config), "-m", MONITOR, "--at", "2020-01-01", "-o", str(output)
    )
    assert code == 2 and not output.exists()
    message = capsys.readouterr().err
    assert "--at" in message and "current window" in message and "no rows" in message


def test_report_modules_do_not_import_evidently_until_a_report_is_built() -> None:
    import subprocess
    import sys

    code = (
        "import sys, monitor.runner, monitor.reports, monitor.reports.run, monitor.reports.history, "
        "monitor.cli.history, monitor.cli.main; print('evidently' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_report_command_into_reports_dir_is_linked_from_the_index(checked: Checked, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(checked.config.parent, copy)  # this test must not change the shared runs
    code, out = run_cli("report", "-c", str(copy / "config.yaml"), "-m", MONITOR, "--at", RUN_TIMES[0])
    written = Path(out.strip())
    assert code == 0 and written.is_file()
    assert written.name == "2026-03-03T00-00-00.html" and written.parent.parent == copy / "reports"
    rows = _table_rows((written.parent / "index.html").read_text(encoding="utf-8"))
    assert len(rows) == len(RUN_TIMES)  # an on-demand report is not a run ...
    assert f'href="{written.name}"' in rows[2]  # ... but the pruned run's window links to it again
