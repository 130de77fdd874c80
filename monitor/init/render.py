"""The config `monitor init` writes: YAML text with a comment on every choice it made.

Names from the data are written as JSON strings, which YAML reads back verbatim whatever
they hold (``on``, ``no``, ``#``, quotes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.init.data import Span
from monitor.init.guess import Roles, Windows


@dataclass
class SourceText:
    """The source as the config names it (paths already relative to the config file)."""

    url: str | None
    table: str | None
    path: str | None
    where: str  # for the header comment, secrets masked


def q(text: str) -> str:
    quoted: str = json.dumps(text, ensure_ascii=False)
    return quoted


def _names(columns: list[str]) -> str:
    return "[" + ", ".join(q(c) for c in columns) + "]"


def _time(moment: pd.Timestamp) -> str:
    return str(moment.strftime("%Y-%m-%d"))


def _source(source: SourceText, roles: Roles) -> list[str]:
    lines = ["    source:"]
    if source.url is not None:
        lines += [f"      url: {q(source.url)}", f"      table: {q(str(source.table))}"]
    else:
        lines.append(f"      path: {q(str(source.path))}")
    lines.append(f"      timestamp: {q(roles.timestamp)}    # {roles.timestamp_reason}")
    return lines


def _model(roles: Roles) -> list[str]:
    lines: list[str] = []
    if roles.prediction or roles.score:
        fields = []
        if roles.prediction:
            fields.append(f"column: {q(roles.prediction)}")
        if roles.score and roles.task == "classification":
            fields.append(f"score: {q(roles.score)}")
        fields.append(f"task: {roles.task}")
        why = "named like a prediction" + (" and a probability in [0, 1]" if roles.score else "")
        lines.append(f"    prediction: {{{', '.join(fields)}}}    # {why}; task from its values")
    else:
        lines.append(
            "    # prediction: {column: ..., score: ..., task: classification}   # no column looked like one"
        )
    if roles.target and roles.target_table and roles.identifier:
        lines += [
            "    target:                              # labels in their own table, joined on the id",
            f"      column: {q(roles.target)}",
            f"      table: {q(roles.target_table)}",
            f"      join_on: {q(roles.identifier)}",
        ]
    elif roles.target:
        lines.append(f"    target: {{column: {q(roles.target)}}}    # named like the ground truth")
    else:
        lines.append(
            "    # target: {column: ..., table: ..., join_on: ...}   # none found: add it once labels exist"
        )
    return lines


def _reference(windows: Windows) -> str:
    if windows.reference_start is None or windows.reference_end is None:
        return f"    reference: {{previous: {_times(windows.window, 4)}}}    # {windows.reference_reason}"
    start, end = _time(windows.reference_start), _time(windows.reference_end)
    return f'    reference: {{start: "{start}", end: "{end}"}}    # {windows.reference_reason}'


def _times(duration: str, count: int) -> str:
    number, unit = int(duration[:-1]), duration[-1]
    return f"{number * count}{unit}"


def _alerts(roles: Roles, missing_share: float) -> list[str]:
    lines = [
        "    alerts:                              # add `channels: [...]` to a rule to be notified",
        "      - {rule: dataset_drift}            # drift.share of the features drifted",
    ]
    if roles.prediction or roles.score:
        lines.append("      - {rule: prediction_drift}         # the model's output moved")
    if roles.target and (roles.prediction or roles.score):
        metric = "roc_auc" if roles.score and roles.task == "classification" else None
        metric = metric or ("f1" if roles.task == "classification" else "rmse")
        lines.append(
            f"      - {{rule: performance_drop, metric: {metric}, max_drop: 0.05}}   # against the reference"
        )
    lines += [
        f"      - {{rule: missing_values, max_share: {missing_share:g}}}"
        f"   # {_missing_reason(missing_share)}",
        "      - {rule: no_data}                  # a window without rows: the log stopped",
    ]
    return lines


def _missing_reason(share: float) -> str:
    if share > 0.1:
        return "the sample already misses this much in a column: twice its worst share"
    return "10% of a column missing (the default)"


def render(
    name: str, source: SourceText, roles: Roles, windows: Windows, span: Span, missing_share: float
) -> str:
    """The whole config file."""
    features = [
        "    features:                            # inferred from a sample as when omitted; edit freely",
        f"      numerical: {_names(roles.numerical)}",
        f"      categorical: {_names(roles.categorical)}",
    ]
    if roles.identifier:
        features[0] += f"; id {roles.identifier} left out"
    lines = [
        f"# monitor config drafted by `monitor init` from {source.where}",
        f"# {span.rows:,} rows from {span.start:%Y-%m-%d %H:%M} to {span.end:%Y-%m-%d %H:%M} UTC.",
        "# Every choice below is a guess with its reason; check them, then `monitor check -c <this file>`.",
        "# Relative paths are relative to this file.",
        "store: sqlite:///monitor-state.db        # run history, alert states, outbox (any SQLAlchemy URL)",
        "reports: {dir: reports, when: alert}    # an HTML report when a rule fires (alert | always | never)",
        "",
        'channels: {}                            # team-slack: {type: slack, url: "${SLACK_WEBHOOK_URL}"}',
        "",
        "monitors:",
        f"  {q(name)}:",
        *_source(source, roles),
        *features,
        *_model(roles),
        _reference(windows),
        f"    window: {windows.window}                            # {windows.window_reason}",
        f"    schedule: {{every: {windows.every}}}",
        "    drift: {method: auto, share: 0.5}   # Evidently's default tests; dataset drift at half of them",
        *_alerts(roles, missing_share),
    ]
    return "\n".join(lines) + "\n"
