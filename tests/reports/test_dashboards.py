"""The Grafana dashboards under dashboards/ query only series the daemon exports, in a current schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
CONTRACT_METRICS = {
    "monitor_drift_score",
    "monitor_dataset_drift_share",
    "monitor_performance",
    "monitor_alert_firing",
    "monitor_last_run_timestamp_seconds",
    "monitor_run_duration_seconds",
    "monitor_run_failures_total",
    "monitor_notifications_failed_total",
}
# Words of PromQL that are not series names: operators, modifiers and literals.
KEYWORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "offset",
    "atan2",
    "inf",
    "nan",
    "start",
    "end",
}
# Aggregation operators may put their grouping first: `sum by (job) (x)`.
AGGREGATIONS = {
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "limitk",
    "limit_ratio",
}
# Series a histogram, summary or counter exposes beside its family name.
SUFFIXES = ("_bucket", "_sum", "_count", "_created", "_total")

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_GRAFANA_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]")
_BRACES = re.compile(r"\{[^{}]*\}")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_IDENTIFIER = re.compile(r"(?<![\w:.])([A-Za-z_:][\w:]*)(\s*\()?")
_LABEL_VALUES = re.compile(r"^\s*label_values\((.*),\s*\w+\s*\)\s*$", re.DOTALL)


def series_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (Grafana variables allowed)."""
    label_values = _LABEL_VALUES.match(expr)
    if label_values:
        expr = label_values.group(1)
    expr = _STRING.sub('""', expr)
    expr = _GRAFANA_VARIABLE.sub("1", expr)
    expr = _BRACES.sub("{}", expr)  # label matchers: their names are labels, not series
    expr = _BRACKETS.sub("[]", expr)  # ranges and subqueries: durations
    expr = _GROUPING.sub(r"\1 ()", expr)  # by (channel): label names
    names = set()
    for match in _IDENTIFIER.finditer(expr):
        name, call = match.group(1), match.group(2)
        if call or name in KEYWORDS or name in AGGREGATIONS:
            continue
        if re.fullmatch(r"\d\w*", name):
            continue
        names.add(name)
    return names


def _exprs(node: Any) -> list[str]:
    """Every PromQL text of a dashboard: panel targets and template variable queries."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "expr" and isinstance(value, str):
                found.append(value)
            elif key == "query" and isinstance(value, str) and node.get("type") == "query":
                found.append(value)
            elif key == "query" and isinstance(value, dict) and isinstance(value.get("query"), str):
                found.append(value["query"])
            else:
                found += _exprs(value)
    elif isinstance(node, list):
        for value in node:
            found += _exprs(value)
    return found


def _dashboards() -> list[Path]:
    return sorted(DASHBOARDS.glob("*.json"))


def _queried(path: Path) -> set[str]:
    names: set[str] = set()
    for expr in _exprs(json.loads(path.read_text(encoding="utf-8"))):
        names |= series_names(expr)
    return names


def _exported(name: str, exported: set[str]) -> bool:
    if name in exported:
        return True
    for suffix in SUFFIXES:
        family = name.removesuffix(suffix)
        if family != name and (family in exported or f"{family}_total" in exported):
            return True
    return False


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (
            "sum by (channel) (increase(monitor_notifications_failed_total[$__rate_interval]))",
            {"monitor_notifications_failed_total"},
        ),
        (
            'rate(a_total{job="x{y}", le=~"by|sum"}[5m] offset 1h) / on (monitor) group_left b',
            {"a_total", "b"},
        ),
        (
            'time() - monitor_last_run_timestamp_seconds{monitor=~"$monitor"}',
            {"monitor_last_run_timestamp_seconds"},
        ),
        ("histogram_quantile(0.9, sum by (le) (rate(d_bucket[5m]))) > bool 1e3", {"d_bucket"}),
        ("max_over_time(x[1h:5m]) or vector(0)", {"x"}),
        ('label_values(monitor_drift_score{monitor=~"$monitor"}, column)', {"monitor_drift_score"}),
        ('{__name__="hidden"}', set()),
    ],
)
def test_series_names_parse_promql(expr: str, expected: set[str]) -> None:
    assert series_names(expr) == expected


def test_there_is_a_dashboard() -> None:
    assert _dashboards(), f"no dashboard JSON in {DASHBOARDS}"


@pytest.mark.parametrize("path", _dashboards(), ids=lambda p: p.name)
def test_dashboard_queries_only_exported_metrics(path: Path) -> None:
    try:
        from monitor.daemon.metrics import EXPORTED_METRICS
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("monitor.daemon"):
            raise
        pytest.skip("monitor.daemon.metrics does not exist yet: no EXPORTED_METRICS to check against")
    exported = set(EXPORTED_METRICS)
    queried = _queried(path)
    unknown = sorted(name for name in queried if not _exported(name, exported))
    assert not unknown, f"{path.name} queries series the daemon does not export: {unknown}"


@pytest.mark.parametrize("path", _dashboards(), ids=lambda p: p.name)
def test_dashboard_charts_every_contract_metric(path: Path) -> None:
    queried = _queried(path)
    assert CONTRACT_METRICS <= queried, f"not charted: {sorted(CONTRACT_METRICS - queried)}"


@pytest.mark.parametrize("path", _dashboards(), ids=lambda p: p.name)
def test_dashboard_schema_variables_and_datasource(path: Path) -> None:
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    assert dashboard["schemaVersion"] >= 39
    assert dashboard["uid"] and dashboard["title"]
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    assert variables["DS_PROMETHEUS"]["query"] == "prometheus"
    monitor = variables["monitor"]
    assert monitor["type"] == "query"
    assert series_names(monitor["definition"]) == {"monitor_dataset_drift_share"}
    assert re.fullmatch(r"label_values\(monitor_dataset_drift_share,\s*monitor\)", monitor["definition"])
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels:
        # Every query goes through the datasource variable: importing needs no id rewriting.
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
            if (
                target["expr"].count("$monitor") == 0
                and "monitor_notifications_failed_total" not in target["expr"]
            ):
                pytest.fail(f"panel {panel['title']!r} ignores the monitor variable: {target['expr']}")
        position = panel["gridPos"]
        assert position["x"] + position["w"] <= 24, panel["title"]


def test_provisioning_points_grafana_at_the_dashboards() -> None:
    import yaml

    provider = yaml.safe_load((DASHBOARDS / "provisioning" / "dashboards.yaml").read_text(encoding="utf-8"))
    assert provider["apiVersion"] == 1
    assert [p["type"] for p in provider["providers"]] == ["file"]
    assert provider["providers"][0]["options"]["path"]
    datasource = yaml.safe_load(
        (DASHBOARDS / "provisioning" / "datasource.example.yaml").read_text(encoding="utf-8")
    )
    assert [d["type"] for d in datasource["datasources"]] == ["prometheus"]
