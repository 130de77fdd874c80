"""Turn Evidently widgets into one self-contained HTML page that user data cannot break.

Evidently's own ``save_html`` embeds the report as ``json.dumps`` output inside a
``<script>`` element. JSON does not escape ``<``, so a column named
``</script><script>...`` closes the element and runs as script. We therefore
build the page with Evidently's template but supply the data block ourselves,
with ``<``, ``>`` and ``&`` written as ``\\u003c``-style escapes: identical
values for JavaScript, inert for the HTML parser. The page also gets a title
and a static banner (monitor, window, rows) that reads without JavaScript.
"""

from __future__ import annotations

import html
import json
import uuid
from typing import Any

from monitor.errors import MonitorError

_DATA_MARKER = "<!-- no embedded data -->"
_BANNER_STYLE = (
    "font-family: Roboto, Helvetica, Arial, sans-serif; margin: 16px 24px 0; padding: 12px 16px; "
    "border-left: 4px solid #4d4dff; background: #f5f5ff; color: #222"
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


def _additional_graphs(widgets: list[Any]) -> dict[str, Any]:
    # Mirrors evidently.core.metric_types.render_widgets (0.7): detail graphs live beside the dashboard.
    from evidently.legacy.model.widget import AdditionalGraphInfo, BaseWidgetInfo

    graphs: dict[str, Any] = {}
    for widget in widgets:
        for graph in widget.get_additional_graphs():
            info = graph.params if isinstance(graph, AdditionalGraphInfo) else graph
            graphs[str(graph.id)] = info.dict() if isinstance(info, BaseWidgetInfo) else info
    return graphs


def _data_block(dashboard_id: str, dashboard_info: Any, additional_graphs: dict[str, Any]) -> str:
    from evidently.legacy.utils import NumpyEncoder
    from evidently.legacy.utils.dashboard import dashboard_info_to_json

    dashboard_json = script_safe(dashboard_info_to_json(dashboard_info))
    graphs_json = script_safe(json.dumps(additional_graphs, cls=NumpyEncoder))
    return (
        "<script>\n"
        f"    var {dashboard_id} = {dashboard_json};\n"
        f"    var additional_graphs_{dashboard_id} = {graphs_json};\n"
        "</script>"
    )


def banner_html(heading: str, lines: list[str]) -> str:
    """A static, escaped header shown above the Evidently dashboard."""
    items = "".join(f"<div>{html.escape(line)}</div>" for line in lines)
    return (
        f'<header id="monitor-report-banner" style="{_BANNER_STYLE}">'
        f'<h1 style="font-size: 20px; margin: 0 0 6px">{html.escape(heading)}</h1>{items}</header>'
    )


def render_page(widgets: list[Any], *, title: str, banner: str) -> str:
    """The whole report page: Evidently's template and script, our escaped data, title and banner."""
    from evidently.legacy.model.dashboard import DashboardInfo
    from evidently.legacy.renderers.html_widgets import group_widget
    from evidently.legacy.utils.dashboard import TemplateParams, file_html_template

    # Same top-level shape as Snapshot.get_html_str: one untitled group holding every widget.
    top_level = [group_widget(title="", widgets=widgets)]
    dashboard_id = "metric_" + uuid.uuid4().hex
    dashboard_info = DashboardInfo(name="Report", widgets=top_level)
    graphs = _additional_graphs(top_level)
    page: str = file_html_template(
        TemplateParams(
            dashboard_id=dashboard_id,
            dashboard_info=dashboard_info,
            additional_graphs=graphs,
            embed_data=False,
        )
    )
    if _DATA_MARKER not in page or "<body>" not in page:
        raise ReportError("the installed Evidently's HTML template is not the one monitor supports (0.7)")
    head = f"<title>{html.escape(title)}</title>\n" + _data_block(dashboard_id, dashboard_info, graphs)
    # Both markers occur first in Evidently's own template, before the embedded library.
    page = page.replace(_DATA_MARKER, head, 1)
    return page.replace("<body>", "<body>\n" + banner, 1)
