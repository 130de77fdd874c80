"""The terminal's table of a segmented monitor's segments (docs/reference.md, "Segments")."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from monitor.records.result import MonitorResult


def render_segments(result: MonitorResult, console: Console) -> None:
    """One row per checked segment, then what was skipped; nothing for an unsegmented monitor."""
    skipped = result.skipped_segments
    if not result.segments and skipped is None:
        return
    table = Table(title="segments (largest first)", title_justify="left", show_edge=False)
    for name in ("segment", "rows", "reference", "drift share", "performance", "alerts"):
        table.add_column(name, justify="left" if name in ("segment", "alerts") else "right")
    for checked in result.segments:
        assert checked.segment is not None
        share = "—" if checked.drift is None else f"{checked.drift.share:.2f}"
        if checked.drift is not None and checked.drift.dataset_drift:
            share += " DRIFT"
        performance = ""
        if checked.performance is not None and checked.performance.metrics:
            metric = checked.performance.metrics[0]
            drop = "—" if metric.drop is None else f"{metric.drop:+.3g}"
            performance = f"{metric.metric} drop {drop}"
        firing = [alert.subject for alert in checked.alerts if alert.status == "firing"]
        alerts = Text(", ".join(firing), style="bold red") if firing else Text("none", style="green")
        # Text(): segment values are data and may hold [brackets]
        table.add_row(
            Text(checked.segment.text),
            f"{checked.rows:,}",
            f"{checked.reference_rows:,}",
            share,
            performance,
            alerts,
        )
    console.print(table)
    if skipped is not None and skipped.count:
        names = ", ".join(s.segment.text for s in skipped.listed[:5])
        more = f" and {skipped.count - 5} more" if skipped.count > 5 else ""
        console.print(
            Text(
                f"skipped {skipped.count} segment(s) ({skipped.rows:,} rows, "
                f"{skipped.reference_rows:,} in the reference): {names}{more}"
            ),
            highlight=False,
        )
