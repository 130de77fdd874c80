"""The HTML drift report of one window: the check's verdicts, drawn with Evidently's renderer.

Every number the page states (drift scores, thresholds, verdicts, shares, performance) is
the check's own, taken from the run's JSON document (``monitor check --json``), so the
report always agrees with the alert. The charts (distributions, confusion matrix, ROC
curve) are computed here with numpy on the windows, sampled above ``reports.max_rows``.
The widgets are Evidently 0.7's dashboard format and Evidently's JavaScript bundle draws
them; Evidently's Python is never imported, which keeps a report well under a second
(docs/reports.md).
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.config.models import PredictionConfig
from monitor.reports import charts
from monitor.reports.assets import Renderer, inline_renderer, shared_renderer
from monitor.reports.header import STYLE, header_html, number, utc_text
from monitor.reports.page import ReportError, render_page
from monitor.reports.paths import write_text_atomically
from monitor.reports.sampling import Sample, sample_by_time
from monitor.reports.widgets import (
    CURRENT_COLOR,
    REFERENCE_COLOR,
    big_table,
    counters,
    histogram_column,
    row_details,
    table,
)

logger = logging.getLogger(__name__)

# Our method names as Evidently labels them in its drift table.
METHOD_LABELS = {
    "wasserstein": "Wasserstein distance (normed)",
    "jensenshannon": "Jensen-Shannon distance",
    "psi": "PSI",
    "ks": "K-S p_value",
    "chisquare": "chi-square p_value",
    "z": "Z-test p_value",
    "kl_div": "Kullback-Leibler divergence",
    "hellinger": "Hellinger distance (normed)",
}
_BINARY = frozenset({0.0, 1.0})


def _drift_entries(run: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(kind, entry) for every judged feature, then the prediction column."""
    entries = [(str(c.get("kind", "")), c) for c in (run.get("drift") or {}).get("columns", [])]
    if run.get("prediction_drift"):
        entries.append(("prediction", run["prediction_drift"]))
    return entries


def _distributions(
    kind: str, reference: pd.Series, current: pd.Series
) -> tuple[list[str], list[float], list[float]]:
    numeric = pd.api.types.is_numeric_dtype(reference) and pd.api.types.is_numeric_dtype(current)
    if kind == "categorical" or not numeric or pd.api.types.is_bool_dtype(current):
        return charts.categorical_distributions(reference, current)
    return charts.numerical_distributions(reference, current)


def _drift_table(run: dict[str, Any], reference: pd.DataFrame, current: pd.DataFrame) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    details: list[dict[str, Any]] = []
    for kind, entry in _drift_entries(run):
        column = entry["column"]
        row: dict[str, Any] = {
            "column_name": column,
            "column_type": {"numerical": "num", "categorical": "cat"}.get(kind, kind),
            "stattest_name": METHOD_LABELS.get(str(entry.get("method")), str(entry.get("method"))),
            "drift_score": _json_number(entry.get("score")),
            "threshold": _json_number(entry.get("threshold")),
            "data_drift": "Detected" if entry.get("drifted") else "Not Detected",
        }
        if column in reference.columns and column in current.columns:
            labels, ref_shares, cur_shares = _distributions(kind, reference[column], current[column])
            row["reference_distribution"] = {"x": labels, "y": ref_shares}
            row["current_distribution"] = {"x": labels, "y": cur_shares}
            figure = charts.distribution_figure(column, labels, ref_shares, cur_shares)
            row["details"] = row_details([("DATA DISTRIBUTION", figure)])
            details.append(figure)
        rows.append(row)
    if not rows:
        return []
    drift = run.get("drift") or {}
    columns = drift.get("columns", [])
    drifted = sum(1 for c in columns if c.get("drifted"))
    title = f"Drift is detected for {drifted} of {len(columns)} columns." if columns else "Prediction drift"
    spec = [
        {"title": "Column", "field": "column_name"},
        {"title": "Type", "field": "column_type"},
        histogram_column("Reference Distribution", "reference_distribution", REFERENCE_COLOR),
        histogram_column("Current Distribution", "current_distribution", CURRENT_COLOR),
        {"title": "Data Drift", "field": "data_drift"},
        {"title": "Stat Test", "field": "stattest_name"},
        {"title": "Drift Score", "field": "drift_score"},
        {"title": "Threshold", "field": "threshold"},
    ]
    widgets = [big_table(title, spec, rows, details)]
    if columns:
        verdict = "Dataset drift detected" if drift.get("dataset_drift") else "No dataset drift"
        share = number(drift.get("share"))
        widgets.insert(
            0,
            counters([(str(len(columns)), "Columns"), (str(drifted), "Drifted columns"), (share, verdict)]),
        )
    return widgets


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _summary_value(values: pd.Series) -> str:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        mean = pd.to_numeric(values, errors="coerce").mean()
        return "n/a" if pd.isna(mean) else f"mean {mean:.4g}"
    counts = values.dropna().astype(str).value_counts()
    return f"most common {counts.index[0]} ({counts.iloc[0] / len(values):.1%})" if len(counts) else "n/a"


def _summary_table(run: dict[str, Any], reference: Sample, current: Sample) -> list[dict[str, Any]]:
    """Missing shares, means or most common values, on the rows the charts use."""
    rows = []
    for kind, entry in _drift_entries(run):
        column = entry["column"]
        if column not in reference.frame.columns or column not in current.frame.columns:
            continue
        values = (current.frame[column], reference.frame[column])
        rows.append(
            [
                column,
                kind,
                *(number(float(v.isna().mean())) if len(v) else "n/a" for v in values),
                *(_summary_value(v) for v in values),
            ]
        )
    if not rows:
        return []
    header = ["Column", "Kind", "Missing (current)", "Missing (reference)", "Current", "Reference"]
    sampled = current.sampled or reference.sampled
    return [table(header, rows, title="Data summary" + (" (sampled rows)" if sampled else ""))]


def _labelled(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame.loc[:, columns].dropna()


def _quality_widgets(
    run: dict[str, Any],
    prediction: PredictionConfig | None,
    target: str | None,
    windows: dict[str, pd.DataFrame],
    samples: dict[str, pd.DataFrame],
) -> list[dict[str, Any]]:
    """Counters of the check's metrics; confusion matrices counted on every labelled row of
    ``windows``; the ROC curve (a picture) drawn from ``samples``."""
    performance = run.get("performance")
    if not performance or prediction is None or target is None:
        return []
    metrics = performance.get("metrics", [])
    widgets = [
        counters([(number(m.get("current")), m["metric"]) for m in metrics], title="Current: model quality"),
        counters(
            [(number(m.get("reference")), m["metric"]) for m in metrics], title="Reference: model quality"
        ),
    ]
    frames = {name: frame for name, frame in windows.items() if target in frame.columns}
    if prediction.task == "classification" and prediction.column is not None:
        for name, frame in frames.items():
            if prediction.column in frame.columns:
                pairs = _labelled(frame, [target, prediction.column])
                title = f"{name.capitalize()}: confusion matrix"
                figure = charts.confusion_figure(title, pairs[target], pairs[prediction.column])
                if figure is not None:
                    widgets.append(figure)
    score = prediction.score if isinstance(prediction.score, str) else None
    if prediction.task == "classification" and score is not None:
        curves = {}
        for name, frame in samples.items():
            if score in frame.columns and target in frame.columns:
                pairs = _labelled(frame, [target, score])
                truth = pd.to_numeric(pairs[target], errors="coerce").to_numpy(dtype=np.float64)
                if set(np.unique(truth)) <= _BINARY:
                    curve = charts.roc_curve(truth, pd.to_numeric(pairs[score]).to_numpy(dtype=np.float64))
                    if curve is not None:
                        curves[name] = curve
        if curves:
            widgets.append(charts.roc_figure(curves))
    if prediction.task == "regression" and prediction.column is not None:
        errors = {}
        for name, frame in frames.items():
            if prediction.column in frame.columns:
                pairs = _labelled(frame, [target, prediction.column]).apply(pd.to_numeric, errors="coerce")
                errors[name] = (pairs[prediction.column] - pairs[target]).to_numpy(dtype=np.float64)
        if errors:
            widgets.append(charts.error_figure(errors))
    return widgets


def _renderer(reports_dir: Path | None, out_path: Path) -> Renderer:
    if reports_dir is not None:
        try:
            Path(os.path.abspath(out_path)).relative_to(os.path.abspath(reports_dir))
        except ValueError:
            pass
        else:
            return shared_renderer(reports_dir, out_path)
    return inline_renderer()


def _missing_notes(run: dict[str, Any], reference: pd.DataFrame, current: pd.DataFrame) -> list[str]:
    absent = [
        e["column"]
        for _, e in _drift_entries(run)
        if e["column"] not in reference or e["column"] not in current
    ]
    return [f"Column {c!r} is missing from a window and has no chart in this report." for c in absent]


def _sample_note(current: Sample, reference: Sample, in_engine: bool = False) -> str | None:
    if not (current.sampled or reference.sampled):
        return None
    how = (
        "drawn where the data lives: the rows of smallest hash, the same on every run; "
        "confusion matrices count the sampled rows"
        if in_engine
        else "deterministic, stratified by time"
    )
    return (
        f"Charts drawn from a sample of {len(current.frame)} of {current.total_rows} current and "
        f"{len(reference.frame)} of {reference.total_rows} reference rows ({how})."
    )


def build_drift_report(
    *,
    monitor_name: str,
    run: dict[str, Any],
    reference: pd.DataFrame,
    current: pd.DataFrame,
    prediction: PredictionConfig | None,
    target_column: str | None,
    max_rows: int,
    out_path: Path,
    timestamp_column: str | None = None,
    reports_dir: Path | None = None,
    window_rows: tuple[int, int] | None = None,
) -> Path:
    """Write the report of one run to ``out_path`` (atomically) and return the path.

    ``run`` is the run's JSON document (``MonitorResult.to_dict()``, docs/reference.md).
    Inside ``reports_dir`` the page loads Evidently's renderer from ``reports_dir/_static``;
    anywhere else it carries the renderer inline. Charts of windows over ``max_rows`` rows
    are drawn from a deterministic sample stratified by ``timestamp_column``. ``window_rows``:
    the windows' (reference, current) rows when ``reference`` and ``current`` are already
    samples drawn by the engine (``monitor.compute.sample``); every chart then uses them.
    """
    if current.empty or reference.empty:
        which = "current" if current.empty else "reference"
        raise ReportError(f"no report for monitor {monitor_name}: the {which} window has no rows")
    current_sample = sample_by_time(current, max_rows, timestamp_column)
    reference_sample = sample_by_time(reference, max_rows, timestamp_column)
    if window_rows is not None:
        reference_sample = Sample(reference_sample.frame, max(window_rows[0], len(reference_sample.frame)))
        current_sample = Sample(current_sample.frame, max(window_rows[1], len(current_sample.frame)))
    # confusion matrices count every labelled row; the other charts are drawn from the samples
    windows = {"current": current, "reference": reference}
    samples = {"current": current_sample.frame, "reference": reference_sample.frame}
    try:
        widgets = [
            *_drift_table(run, reference_sample.frame, current_sample.frame),
            *_quality_widgets(run, prediction, target_column, windows, samples),
            *_summary_table(run, reference_sample, current_sample),
        ]
    except (ValueError, TypeError, KeyError) as exc:  # a column pandas or numpy cannot chart
        raise ReportError(f"the report of monitor {monitor_name} could not be built: {exc}") from exc
    header = header_html(
        run,
        heading=f"Drift report: {monitor_name}",
        notes=_missing_notes(run, reference, current),
        sample_note=_sample_note(current_sample, reference_sample, in_engine=window_rows is not None),
    )
    window = f"{utc_text(run['window']['start'])} to {utc_text(run['window']['end'])}"
    page = render_page(
        widgets,
        title=f"{monitor_name}: drift report, {window}",
        header=header,
        style=STYLE,
        run=run,
        renderer=_renderer(reports_dir, out_path),
    )
    try:
        write_text_atomically(out_path, page)
    except OSError as exc:
        raise ReportError(f"cannot write the report of monitor {monitor_name} to {out_path}: {exc}") from exc
    logger.info("wrote the report of monitor %s to %s", monitor_name, out_path)
    return Path(out_path)
