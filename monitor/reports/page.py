"""Turn dashboard widgets into one HTML page that user data cannot break.

Evidently's own ``save_html`` embeds the report as ``json.dumps`` output inside a
``<script>`` element. JSON does not escape ``<``, so a column named
``</script><script>...`` closes the element and runs as script. Our data block
writes ``<``, ``>`` and ``&`` as ``\\u003c``-style escapes instead: identical
values for JavaScript, inert for the HTML parser. The page also gets a title
and a static header (the check's verdicts and numbers) that reads without JavaScript.
"""

from __future__ import annotations

import html
import json
import math
import uuid
from typing import TYPE_CHECKING, Any

from monitor.errors import MonitorError

if TYPE_CHECKING:
    from monitor.reports.assets import Renderer

# Evidently's template styles its icon font so (evidently.legacy.utils.dashboard, 0.7).
_ICON_STYLE = (
    ".material-icons { font-family: 'Material Icons'; font-weight: normal; font-style: normal; "
    "font-size: 24px; line-height: 1; letter-spacing: normal; text-transform: none; display: inline-block; "
    "white-space: nowrap; word-wrap: normal; direction: ltr; text-rendering: optimizeLegibility; "
    "-webkit-font-smoothing: antialiased; }"
)
_JS_STRING_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


class ReportError(MonitorError):
    """An HTML report could not be built or written."""


def script_safe(json_text: str) -> str:
    """JSON text that can sit inside ``<script>``: the characters HTML reacts to, escaped.

    Valid because in JSON these characters only ever occur inside strings, where
    ``\\u003c`` means exactly ``<``.
    """
    for raw, escaped in _JS_STRING_ESCAPES.items():
        json_text = json_text.replace(raw, escaped)
    return json_text


def _data_block(
    dashboard_id: str, dashboard: dict[str, Any], graphs: dict[str, Any], run: dict[str, Any]
) -> str:
    def dumps(value: Any) -> str:
        return script_safe(json.dumps(_finite(value), allow_nan=False, default=str))

    return (
        "<script>\n"
        f"    var {dashboard_id} = {dumps(dashboard)};\n"
        f"    var additional_graphs_{dashboard_id} = {dumps(graphs)};\n"
        "</script>\n"
        # the run's JSON document, for scripts reading the page (not run: a data block)
        f'<script type="application/json" id="monitor-run">{dumps(run)}</script>'
    )


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities as null: JSON has no word for them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _without_graphs(widget: dict[str, Any]) -> dict[str, Any]:
    """A widget without its additional graphs: the renderer takes those from a map beside it."""
    stripped = {key: value for key, value in widget.items() if key != "additionalGraphs"}
    stripped["widgets"] = [_without_graphs(child) for child in widget.get("widgets") or []]
    return stripped


def _font_face(renderer: Renderer) -> str:
    if renderer.font_url is not None:
        source = f"url({renderer.font_url}) format('woff2')"
    else:
        source = f"url(data:font/woff2;base64,{renderer.font_base64}) format('woff2')"
    return (
        "@font-face { font-family: 'Material Icons'; font-style: normal; font-weight: 400; "
        f"src: {source}; }}\n{_ICON_STYLE}"
    )


def _library(renderer: Renderer) -> str:
    if renderer.script_url is not None:
        return f'<script src="{html.escape(renderer.script_url)}"></script>'
    return f"<script>{renderer.script}</script>"


def render_page(
    widgets: list[dict[str, Any]],
    *,
    title: str,
    header: str,
    style: str,
    run: dict[str, Any],
    renderer: Renderer,
) -> str:
    """The report page: our static header, then the widgets drawn by Evidently's renderer.

    The page follows Evidently 0.7's own template (``file_html_template``): data block,
    root element, the bundle, then ``window.drawDashboard``.
    """
    from monitor.reports.widgets import additional_graphs, group

    # Same top-level shape as Evidently's reports: one untitled group holding every widget.
    top_level = [group(widgets)]
    dashboard_id = "metric_" + uuid.uuid4().hex
    dashboard = {"name": "Report", "widgets": [_without_graphs(w) for w in top_level]}
    graphs = {key: _without_graphs(value) for key, value in additional_graphs(top_level).items()}
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}</title>
<link rel="icon" href="data:,">
<style>
{_font_face(renderer)}
{style}
</style>
{_data_block(dashboard_id, dashboard, graphs, run)}
</head>
<body>
{header}
<div id="root_{dashboard_id}"></div>
<script>var global = globalThis</script>
{_library(renderer)}
<script>
window.drawDashboard({dashboard_id},
    new Map(Object.entries(additional_graphs_{dashboard_id})), "root_{dashboard_id}");
</script>
</body>
</html>
"""
