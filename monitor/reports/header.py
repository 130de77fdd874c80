"""The report's static header: the check's own verdicts and exact numbers, readable without JavaScript.

Rendered from the run's JSON document (``monitor check --json``, docs/reference.md), so the
page says what the alert rules saw even where its charts are drawn from a sample. Every
value from data (names, categories, errors) is HTML-escaped.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import Any

STYLE = """
#monitor-report-banner { font-family: Roboto, Helvetica, Arial, sans-serif; margin: 16px 24px 0;
  padding: 12px 16px; border-left: 4px solid #4d4dff; background: #f5f5ff; color: #222; }
#monitor-report-banner h1 { font-size: 20px; margin: 0 0 6px; }
#monitor-report-banner h2 { font-size: 15px; margin: 12px 0 4px; }
#monitor-report-banner table { border-collapse: collapse; font-size: 13px; }
#monitor-report-banner th, #monitor-report-banner td { padding: 2px 10px 2px 0; text-align: left; }
#monitor-report-banner td.num { text-align: right; font-variant-numeric: tabular-nums; }
#monitor-report-banner .bad { color: #c00; font-weight: bold; }
#monitor-report-banner details { margin-top: 8px; }
"""


OPEN_TABLE_COLUMNS = 40


def utc_text(moment: datetime | str) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def number(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _cell(value: Any, numeric: bool = False, bad: bool = False) -> str:
    classes = " ".join(name for name, on in (("num", numeric), ("bad", bad)) if on)
    attribute = f' class="{classes}"' if classes else ""
    return f"<td{attribute}>{html.escape(number(value))}</td>"


def _table(header: list[str], rows: list[str]) -> str:
    head = "".join(f"<th>{html.escape(title)}</th>" for title in header)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _drift_row(column: str, kind: str, entry: dict[str, Any]) -> str:
    drifted = bool(entry.get("drifted"))
    cells = [
        _cell(column),
        _cell(kind),
        _cell(entry.get("method")),
        _cell(entry.get("score"), numeric=True),
        _cell(entry.get("threshold"), numeric=True),
        _cell("drifted" if drifted else "no", bad=drifted),
    ]
    return f"<tr>{''.join(cells)}</tr>"


def verdict_line(run: dict[str, Any]) -> str:
    """The dataset drift verdict, shown above the (possibly folded) tables."""
    drift = run.get("drift")
    if not drift:
        return ""
    columns = drift.get("columns", [])
    drifted = sum(1 for c in columns if c.get("drifted"))
    verdict = "detected" if drift.get("dataset_drift") else "not detected"
    marked = "bad" if drift.get("dataset_drift") else ""
    share = html.escape(number(drift.get("share")))
    return (
        f'<div>Dataset drift: <span class="{marked}">{verdict}</span>, '
        f"{drifted} of {len(columns)} columns drifted (share {share})</div>"
    ) + multivariate_line(drift.get("multivariate"))


def multivariate_line(multivariate: dict[str, Any] | None) -> str:
    """All features together: the method's score against its bound."""
    if not multivariate or multivariate.get("score") is None:
        return ""
    drifted = bool(multivariate.get("drifted"))
    verdict = "detected" if drifted else "not detected"
    method = html.escape(str(multivariate.get("method")))
    score, threshold = number(multivariate.get("score")), number(multivariate.get("threshold"))
    return (
        f'<div>Multivariate drift: <span class="{"bad" if drifted else ""}">{verdict}</span>, '
        f"{method} {html.escape(score)} (threshold {html.escape(threshold)})</div>"
    )


def drift_section(run: dict[str, Any]) -> str:
    drift, prediction = run.get("drift"), run.get("prediction_drift")
    if not drift and not prediction:
        return ""
    rows = [_drift_row(c["column"], c.get("kind", ""), c) for c in (drift or {}).get("columns", [])]
    for column in [prediction, *(run.get("score_drift") or [])]:  # a multiclass model: each score
        if column:
            rows.append(_drift_row(column["column"], "prediction", column))
    table = _table(["column", "kind", "method", "score", "threshold", "drift"], rows)
    return f"<h2>Drift</h2>{table}"


def performance_section(run: dict[str, Any]) -> str:
    performance = run.get("performance")
    if not performance:
        return ""
    rows = [
        f"<tr>{_cell(m['metric'])}{_cell(m.get('current'), True)}{_cell(m.get('reference'), True)}"
        f"{_cell(m.get('drop'), True)}</tr>"
        for m in performance.get("metrics", [])
    ]
    rows_text = html.escape(number(performance.get("rows_with_target")))
    table = _table(["metric", "current", "reference", "drop"], rows)
    return f"<h2>Performance</h2><div>on the {rows_text} rows of the window with a target</div>{table}"


def estimation_section(run: dict[str, Any]) -> str:
    """Performance estimated before labels, next to the realized value (docs/reference.md)."""
    estimated = run.get("estimated_performance")
    if not estimated:
        return ""
    names = ("estimate", "lower", "upper", "reference", "realized")
    rows = [
        f"<tr>{_cell(m['metric'])}{''.join(_cell(m.get(name), True) for name in names)}</tr>"
        for m in estimated.get("metrics", [])
    ]
    method = html.escape(str(estimated.get("method", "")))
    table = _table(["metric", *names], rows)
    return (
        f"<h2>Estimated performance</h2><div>{method.upper()} on every row of the window; realized "
        f"on the rows with a target, once any has one</div>{table}"
    )


def quality_section(run: dict[str, Any]) -> str:
    columns = (run.get("data_quality") or {}).get("columns") or []
    shares = [c for c in columns if c.get("missing_share")]
    if not shares:
        return ""
    rows = [f"<tr>{_cell(c['column'])}{_cell(c['missing_share'], True)}</tr>" for c in shares]
    return "<h2>Missing values</h2>" + _table(["column", "missing share"], rows)


def alerts_line(run: dict[str, Any]) -> str:
    if run.get("alerts") is None:  # a report of a window, not of a run: no rule was evaluated
        return ""
    firing = [a for a in run["alerts"] if a.get("status") == "firing"]
    if not firing:
        return "<div>No alert rule is firing.</div>"
    names = ", ".join(
        html.escape(f"{a['rule']} {a['subject']}" + (" (silenced)" if a.get("silenced") else ""))
        for a in firing
    )
    return f'<div>Firing: <span class="bad">{names}</span></div>'


def header_html(run: dict[str, Any], *, heading: str, notes: list[str], sample_note: str | None) -> str:
    """The whole header: what was checked, the verdicts, and the check's numbers in tables."""
    window, reference = run["window"], run["reference"]
    lines = [
        f"Window: {utc_text(window['start'])} to {utc_text(window['end'])}, {window.get('rows', 0)} rows",
        f"Reference: {utc_text(reference['start'])} to {utc_text(reference['end'])}, "
        f"{reference.get('rows', 0)} rows",
        *notes,
    ]
    if sample_note:
        lines.append(sample_note)
    intro = "".join(f"<div>{html.escape(line)}</div>" for line in lines)
    tables = drift_section(run) + performance_section(run) + estimation_section(run) + quality_section(run)
    columns = len((run.get("drift") or {}).get("columns") or [])
    # a wide monitor's table would push the charts out of sight: folded, one click away
    state = " open" if columns <= OPEN_TABLE_COLUMNS else ""
    summary = "<summary>The check's numbers (every row of both windows)</summary>"
    numbers = f"<details{state}>{summary}{tables}</details>" if tables else ""
    return (
        f'<header id="monitor-report-banner"><h1>{html.escape(heading)}</h1>'
        f"{intro}{verdict_line(run)}{alerts_line(run)}{numbers}</header>"
    )
