"""Widgets in the dashboard format Evidently 0.7's renderer draws (its ``BaseWidgetInfo``), as plain dicts.

Building them here instead of with Evidently's Python classes keeps a report to a fraction
of a second: importing Evidently alone takes seconds, and its presets recompute every
statistic the check already has (docs/reports.md). Only the fields the renderer reads are
set; every widget gets a fresh id, which additional graphs (a table row's details) refer to.
"""

from __future__ import annotations

import uuid
from typing import Any

FULL, HALF = 2, 1
REFERENCE_COLOR, CURRENT_COLOR = "#4d4d4d", "#ed0400"


def widget(
    kind: str, *, title: str = "", size: int = FULL, params: Any = None, **fields: Any
) -> dict[str, Any]:
    info: dict[str, Any] = {
        "type": kind,
        "title": title,
        "size": size,
        "id": str(uuid.uuid4()),
        "details": "",
        "alertsPosition": None,
        "alertStats": None,
        "params": params,
        "insights": [],
        "additionalGraphs": [],
        "alerts": [],
        "tabs": [],
        "widgets": [],
        "pageSize": 5,
        "source_fingerprint": None,
        "linked_metrics": None,
    }
    info.update(fields)
    return info


def group(widgets: list[dict[str, Any]], title: str = "") -> dict[str, Any]:
    return widget("group", title=title, widgets=widgets)


def counters(pairs: list[tuple[str, str]], title: str = "", size: int = FULL) -> dict[str, Any]:
    """A row of big values, each with its label: ``[(value, label), ...]``."""
    return widget(
        "counter", title=title, size=size, params={"counters": [{"value": v, "label": k} for v, k in pairs]}
    )


def table(header: list[str], rows: list[list[Any]], title: str = "") -> dict[str, Any]:
    return widget("table", title=title, params={"header": header, "data": rows})


def graph(
    data: list[dict[str, Any]], layout: dict[str, Any], title: str = "", size: int = FULL
) -> dict[str, Any]:
    """A Plotly figure (``data`` traces and ``layout``), drawn by the Plotly inside Evidently's bundle."""
    return widget("big_graph", title=title, size=size, params={"data": data, "layout": layout})


def histogram_column(title: str, field: str, color: str) -> dict[str, Any]:
    """A big_table column drawing ``{"x": [...], "y": [...]}`` as a small bar chart."""
    return {
        "title": title,
        "field": field,
        "type": "histogram",
        "options": {"xField": "x", "yField": "y", "color": color},
    }


def big_table(
    title: str,
    columns: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    details: list[dict[str, Any]],
    rows_per_page: int = 10,
) -> dict[str, Any]:
    """A paged table; a row whose ``details`` names graphs expands to them (held in ``details``)."""
    params = {"rowsPerPage": rows_per_page, "columns": columns, "data": rows}
    return widget("big_table", title=title, params=params, additionalGraphs=details)


def row_details(parts: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """A big_table row's ``details``: titled links to additional graphs."""
    return {
        "parts": [
            {"title": title, "id": graph_widget["id"], "type": "widget"} for title, graph_widget in parts
        ]
    }


def additional_graphs(widgets: list[dict[str, Any]]) -> dict[str, Any]:
    """Every widget's additional graphs by id: the renderer looks them up beside the dashboard."""
    graphs: dict[str, Any] = {}
    stack = list(widgets)
    while stack:
        node = stack.pop()
        for extra in node.get("additionalGraphs") or []:
            graphs[extra["id"]] = extra
        stack.extend(node.get("widgets") or [])
    return graphs
