"""Readable terminal output of check results (rich tables); ``--json`` bypasses this."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from monitor.cli.segments_table import render_segments
from monitor.drift_methods import drift_methods
from monitor.records.result import MonitorResult


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def render_results(results: list[MonitorResult], console: Console, dry_run: bool = False) -> None:
    for result in results:
        _render_one(result, console)
    if dry_run:
        console.print("[dim]dry run: nothing was stored or sent[/dim]")


def _render_one(result: MonitorResult, console: Console) -> None:
    window, reference = result.windows.current, result.windows.reference
    console.rule(f"[bold]{escape(result.monitor)}")
    console.print(
        f"window    {window.start:%Y-%m-%d %H:%M} → {window.end:%Y-%m-%d %H:%M} UTC  {result.rows:,} rows\n"
        f"reference {reference.start:%Y-%m-%d %H:%M} → {reference.end:%Y-%m-%d %H:%M} UTC  "
        f"{result.reference_rows:,} rows",
        highlight=False,
    )
    if result.error:
        console.print(Text(f"error: {result.error}", style="bold red"))
        return
    if not result.live:
        console.print(
            "[dim]history: an older window than one already checked; no alert changed, nothing sent[/dim]"
        )
    if result.rows == 0:
        console.print(
            "[yellow]no rows in the window: nothing to compare; other alerts stay as they were[/yellow]"
        )
    if result.features_inferred:
        console.print(
            f"inferred features: numerical [{', '.join(result.numerical)}]; "
            f"categorical [{', '.join(result.categorical)}]",
            highlight=False,
            markup=False,  # "[income, ...]" is data, not rich markup
        )
    _render_drift(result, console)
    _render_performance(result, console)
    _render_estimates(result, console)
    _render_incidents(result, console)
    render_segments(result, console)
    _render_alerts(result, console)
    if result.report:
        console.print(f"report: {result.report}", highlight=False, markup=False)


def _render_drift(result: MonitorResult, console: Console) -> None:
    drift = result.drift
    if drift is None:
        return
    table = Table(title="drift", title_justify="left", show_edge=False)
    for name in ("column", "kind", "method", "score", "threshold", "drifted"):
        table.add_column(name, justify="right" if name in ("score", "threshold") else "left")
    # a p-value drifts when it falls below its threshold, a distance when it rises above: say which
    rows = list(drift.columns)
    predictions = [d for d in (result.prediction_drift, *result.score_drift) if d is not None]
    rows += predictions
    for column in rows:
        label = column.column + (" (prediction)" if any(column is d for d in predictions) else "")
        flag = Text("DRIFT", style="bold red") if column.drifted else Text("ok", style="green")
        method = drift_methods().get(column.method)
        p_value = method is not None and method.direction == "below"
        inclusive = method is None or method.inclusive
        score = f"p={_num(column.score)}" if p_value and column.score is not None else _num(column.score)
        if p_value:
            threshold = f"p{'≤' if inclusive else '<'}{_num(column.threshold)}"
        else:
            threshold = f"{'≥' if inclusive else '>'}{_num(column.threshold)}"
        table.add_row(Text(label), column.kind, column.method, score, threshold, flag)
    console.print(table)
    verdict = "[bold red]dataset drift[/]" if drift.dataset_drift else "[green]no dataset drift[/]"
    console.print(
        f"{verdict}: share of drifted columns {drift.share:.2f} (threshold {result.drift_share_threshold})"
    )


def _render_performance(result: MonitorResult, console: Console) -> None:
    if result.performance is None:
        return
    table = Table(
        title=f"performance ({result.performance.rows_with_target:,} rows with target)",
        title_justify="left",
        show_edge=False,
    )
    for name in ("metric", "current", "reference", "drop"):
        table.add_column(name, justify="left" if name == "metric" else "right")
    for metric in result.performance.metrics:
        table.add_row(metric.metric, _num(metric.current), _num(metric.reference), _num(metric.drop))
    console.print(table)


def _render_estimates(result: MonitorResult, console: Console) -> None:
    """Performance estimated before labels, next to the realized value once labels arrived."""
    estimated = result.estimated_performance
    if estimated is None:
        return
    table = Table(title=f"estimated performance ({estimated.method})", title_justify="left", show_edge=False)
    for name in ("metric", "estimate", "lower", "upper", "reference", "realized"):
        table.add_column(name, justify="left" if name == "metric" else "right")
    for metric in estimated.metrics:
        figures = (metric.estimate, metric.lower, metric.upper, metric.reference, metric.realized)
        table.add_row(metric.metric, *(_num(value) for value in figures))
    console.print(table)


def _render_incidents(result: MonitorResult, console: Console) -> None:
    """One line per data-incident figure the run has (docs/reference.md, "Data incidents")."""
    quality = result.quality
    lines = []
    volume = quality.volume
    if volume is not None and volume.ratio is not None:
        lines.append(
            f"volume: {volume.rows_per_hour:.4g} rows/h against {volume.reference_rows_per_hour:.4g} "
            f"in the reference (ratio {volume.ratio:.3g})"
        )
    freshness = quality.freshness
    if freshness is not None:
        newest = "none" if freshness.newest is None else f"{freshness.newest:%Y-%m-%d %H:%M:%S} UTC"
        age = "" if freshness.age_seconds is None else f" ({freshness.age_seconds:,.0f} s before the run)"
        lines.append(f"freshness: newest row {newest}{age}")
    for change in quality.schema:
        what = "missing" if change.change == "missing" else f"{change.reference_type} → {change.current_type}"
        lines.append(f"schema: {change.column} {what}")
    for label, shares in (("new categories", quality.new_categories), ("out of range", quality.out_of_range)):
        for column, offending in (shares or {}).items():
            if offending.share > 0:
                lines.append(f"{label}: {column} {offending.share:.2%}")
    if quality.duplicates is not None:
        lines.append(f"duplicates on {', '.join(quality.duplicates.key)}: {quality.duplicates.share:.2%}")
    for line in lines:
        console.print(Text(line), highlight=False)  # column names are data, not markup


def _render_alerts(result: MonitorResult, console: Console) -> None:
    if not result.alerts:
        console.print("[green]no alert firing[/green]")
        return
    for alert in result.alerts:
        style = "bold red" if alert.status == "firing" else "green"
        if alert.silenced:
            channels = " (silenced: nothing sent)"
        else:
            channels = f" → {', '.join(alert.channels)}" if alert.channels else ""
        console.print(Text(f"{alert.status.upper()} {alert.rule} {alert.subject}{channels}", style=style))
