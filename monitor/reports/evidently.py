"""The HTML drift report of one window, built with Evidently.

Evidently is imported inside the functions only: it takes seconds to import and
``monitor check`` must not pay for it unless a report is written.

The report runs Evidently on exactly the windows the check used, with our
drift methods and thresholds, so that what the page shows as drifted is what
the alert rules saw. Two Evidently runs feed one page: data drift and data
summary on every row, model quality on the rows that have a target.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.config.models import DriftConfig, PredictionConfig
from monitor.reports.page import ReportError, banner_html, render_page
from monitor.reports.paths import write_text_atomically
from monitor.reports.sampling import Sample, sample_by_time

logger = logging.getLogger(__name__)

# Our method names -> Evidently's stattest names; None lets Evidently choose (docs/reference.md: auto).
EVIDENTLY_METHODS: dict[str, str | None] = {
    "auto": None,
    "ks": "ks",
    "wasserstein": "wasserstein",
    "psi": "psi",
    "jensenshannon": "jensenshannon",
    "chisquare": "chisquare",
    "z": "z",
    "kl_div": "kl_div",
    "hellinger": "hellinger",
}
_BINARY_LABELS = frozenset({0, 1})


@dataclass(frozen=True)
class _Roles:
    """Which columns Evidently sees, and as what."""

    numerical: list[str]
    categorical: list[str]
    prediction_drift: str | None
    labels: str | None
    score: str | None
    target: str | None
    task: str

    @property
    def features(self) -> list[str]:
        return [*self.numerical, *self.categorical]

    def model_columns(self) -> list[str]:
        return [c for c in (self.labels, self.score, self.target) if c is not None]

    def all_columns(self) -> list[str]:
        return list(dict.fromkeys([*self.features, *self.model_columns()]))


def _present(columns: list[str] | None, *frames: pd.DataFrame) -> list[str]:
    return [c for c in columns or [] if all(c in frame.columns for frame in frames)]


def _roles(
    numerical: list[str],
    categorical: list[str],
    prediction: PredictionConfig | None,
    target_column: str | None,
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> tuple[_Roles, list[str]]:
    """The columns present in both windows, and a note for each configured one that is not."""
    wanted = [*numerical, *categorical]
    if prediction is not None:
        wanted += [c for c in (prediction.column, prediction.score) if c is not None]
    if target_column is not None:
        wanted.append(target_column)
    missing = [c for c in dict.fromkeys(wanted) if c not in _present([c], *frames)]
    notes = [f"Column {c!r} is missing from a window and is left out of this report." for c in missing]

    def keep(column: str | None) -> str | None:
        return column if column is not None and column not in missing else None

    labels = keep(prediction.column) if prediction else None
    score = keep(prediction.score) if prediction else None
    prediction_drift = keep(prediction.drift_column) if prediction else None
    roles = _Roles(
        numerical=_present(numerical, *frames),
        categorical=_present(categorical, *frames),
        prediction_drift=prediction_drift,
        labels=labels,
        score=score,
        target=keep(target_column),
        task=prediction.task if prediction else "classification",
    )
    return roles, notes


def _method_options(drift: DriftConfig, features: list[str]) -> dict[str, Any]:
    """DataDriftPreset keyword arguments: each feature's method and threshold as the check judged
    it (``DriftConfig.setting``), so the page marks drifted what the alert saw drifted."""
    settings = {column: drift.setting(column) for column in features}
    per_column_method = {
        column: EVIDENTLY_METHODS[method] for column, (method, _) in settings.items() if method != "auto"
    }
    per_column_threshold = {
        column: threshold for column, (_, threshold) in settings.items() if threshold is not None
    }
    return {
        "method": EVIDENTLY_METHODS[drift.method],
        "threshold": drift.threshold,
        "per_column_method": per_column_method or None,
        "per_column_threshold": per_column_threshold or None,
    }


def _prediction_drift_options(drift: DriftConfig, column: str) -> tuple[str | None, float | None]:
    method, threshold = drift.setting(column)
    return EVIDENTLY_METHODS[method], threshold


def _column_types(roles: _Roles) -> tuple[list[str], list[str]]:
    """Numerical and categorical column lists for Evidently, model columns typed by the task."""
    numerical = list(roles.numerical)
    categorical = list(roles.categorical)
    typed = set(numerical) | set(categorical)
    for column, is_numerical in (
        (roles.score, True),
        (roles.labels, roles.task == "regression"),
        (roles.target, roles.task == "regression"),
    ):
        if column is not None and column not in typed:
            (numerical if is_numerical else categorical).append(column)
            typed.add(column)
    return numerical, categorical


def _quality_task(roles: _Roles, reference: pd.DataFrame, current: pd.DataFrame) -> Any | None:
    """Evidently's classification or regression task for these columns, or None when none applies."""
    from evidently import BinaryClassification, MulticlassClassification, Regression

    if roles.target is None or (roles.labels is None and roles.score is None):
        return None
    if roles.task == "regression":
        return Regression(target=roles.target, prediction=roles.labels or str(roles.score))
    values = set(pd.concat([reference[roles.target], current[roles.target]]).dropna().unique().tolist())
    if roles.labels is not None:
        values |= set(pd.concat([reference[roles.labels], current[roles.labels]]).dropna().unique().tolist())
    if values <= _BINARY_LABELS:
        return BinaryClassification(
            target=roles.target, prediction_labels=roles.labels, prediction_probas=roles.score
        )
    if roles.labels is None:
        logger.warning(
            "target %s is not 0/1 and there is no prediction label column: no quality section", roles.target
        )
        return None
    # A single score column cannot be per-class probabilities: labels only.
    return MulticlassClassification(target=roles.target, prediction_labels=roles.labels)


def _as_labels(values: pd.Series) -> pd.Series:
    """A float column as category labels Evidently accepts: it rejects float labels outright.

    Integral floats (an int column that held a null: 0.0, 1.0, NaN) become ints,
    other floats strings; nulls stay null.
    """
    if not pd.api.types.is_float_dtype(values):
        return values
    present = values.dropna()
    integral = bool((present == present.round()).all())
    if integral and len(present) == len(values):
        return values.astype("int64")
    convert = int if integral else str
    # Built as a list: Series.map would infer float64 again.
    labels = [None if pd.isna(value) else convert(value) for value in values]
    return pd.Series(labels, index=values.index, dtype=object, name=values.name)


def _dataset(frame: pd.DataFrame, columns: list[str], categorical: list[str], definition: Any) -> Any:
    from evidently import Dataset

    data = frame.loc[:, columns].reset_index(drop=True)
    for column in categorical:
        if column in data.columns:
            data[column] = _as_labels(data[column])
    return Dataset.from_pandas(data, data_definition=definition)


def _widgets(items: list[Any], current: Any, reference: Any) -> list[Any]:
    from evidently import Report

    snapshot = Report(items).run(current, reference)
    # Evidently 0.7 has no public accessor for the rendered widgets; the pin <0.8 keeps these stable.
    return [*snapshot._widgets, *snapshot._tests_widgets]


def _drift_and_summary(
    roles: _Roles, drift: DriftConfig, reference: pd.DataFrame, current: pd.DataFrame
) -> list[Any]:
    from evidently import DataDefinition
    from evidently.metrics import ValueDrift
    from evidently.presets import DataDriftPreset, DataSummaryPreset

    numerical, categorical = _column_types(roles)
    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    items: list[Any] = []
    if roles.features:
        options = _method_options(drift, roles.features)
        items.append(DataDriftPreset(columns=roles.features, drift_share=drift.share, **options))
    if roles.prediction_drift is not None:
        method, threshold = _prediction_drift_options(drift, roles.prediction_drift)
        items.append(ValueDrift(column=roles.prediction_drift, method=method, threshold=threshold))
    items.append(DataSummaryPreset())
    columns = roles.all_columns()
    return _widgets(
        items,
        _dataset(current, columns, categorical, definition),
        _dataset(reference, columns, categorical, definition),
    )


@dataclass(frozen=True)
class _Quality:
    widgets: list[Any] = field(default_factory=list)
    sampling_notes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _with_target(frame: pd.DataFrame, roles: _Roles) -> pd.DataFrame:
    return frame.dropna(subset=roles.model_columns())


def _quality(
    roles: _Roles, reference: pd.DataFrame, current: pd.DataFrame, max_rows: int, timestamp_column: str | None
) -> _Quality:
    """Model quality widgets on the rows with a target (and prediction), and notes about them."""
    from evidently import DataDefinition
    from evidently.presets import ClassificationPreset, RegressionPreset

    if roles.target is None:
        return _Quality()
    labelled_reference, labelled_current = _with_target(reference, roles), _with_target(current, roles)
    if labelled_reference.empty or labelled_current.empty:
        return _Quality(
            notes=[f"No model quality section: a window has no rows with target {roles.target!r}."]
        )
    task = _quality_task(roles, labelled_reference, labelled_current)
    if task is None:
        return _Quality()
    reference_sample = sample_by_time(labelled_reference, max_rows, timestamp_column)
    current_sample = sample_by_time(labelled_current, max_rows, timestamp_column)
    sampling_notes = _sampling_notes(current_sample, reference_sample, "Model quality, rows with a target")
    numerical, categorical = _column_types(roles)
    model_columns = roles.model_columns()
    if roles.task == "regression":
        definition = DataDefinition(
            numerical_columns=[c for c in numerical if c in model_columns], regression=[task]
        )
        preset: Any = RegressionPreset()
    else:
        definition = DataDefinition(
            numerical_columns=[c for c in numerical if c in model_columns],
            categorical_columns=[c for c in categorical if c in model_columns],
            classification=[task],
        )
        preset = ClassificationPreset()
    current_data = _dataset(current_sample.frame, model_columns, categorical, definition)
    reference_data = _dataset(reference_sample.frame, model_columns, categorical, definition)
    return _Quality(widgets=_widgets([preset], current_data, reference_data), sampling_notes=sampling_notes)


def _sampling_notes(current: Sample, reference: Sample, what: str) -> list[str]:
    pairs = ((current, f"{what} (current window)"), (reference, f"{what} (reference window)"))
    return [sample.note(label) for sample, label in pairs if sample.sampled]


def _rows_text(sample: Sample) -> str:
    return f"{sample.total_rows} ({len(sample.frame)} sampled)" if sample.sampled else str(sample.total_rows)


def _utc_text(moment: datetime) -> str:
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def build_drift_report(
    *,
    monitor_name: str,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    numerical: list[str],
    categorical: list[str],
    drift: DriftConfig,
    prediction: PredictionConfig | None,
    target_column: str | None,
    window_start: datetime,
    window_end: datetime,
    max_rows: int,
    out_path: Path,
    timestamp_column: str | None = None,
) -> Path:
    """Write the Evidently report of one window to ``out_path`` (atomically) and return the path.

    Windows over ``max_rows`` rows are sampled (deterministic, stratified by
    ``timestamp_column``, else a datetime index or column, else row order) and
    the page says so.
    """
    os.environ.setdefault("EVIDENTLY_DISABLE_TELEMETRY", "1")
    from evidently.legacy.renderers.html_widgets import text_widget

    if current.empty or reference.empty:
        which = "current" if current.empty else "reference"
        raise ReportError(f"no report for monitor {monitor_name}: the {which} window has no rows")
    roles, notes = _roles(numerical, categorical, prediction, target_column, (reference, current))
    current_sample = sample_by_time(current, max_rows, timestamp_column)
    reference_sample = sample_by_time(reference, max_rows, timestamp_column)
    sampling_notes = _sampling_notes(current_sample, reference_sample, "Data drift and summary")
    try:
        widgets = _drift_and_summary(roles, drift, reference_sample.frame, current_sample.frame)
        quality = _quality(roles, reference, current, max_rows, timestamp_column)
    except Exception as exc:  # Evidently raises many kinds; the caller needs one it can report
        raise ReportError(f"Evidently could not build the report of monitor {monitor_name}: {exc}") from exc
    sampling_notes += quality.sampling_notes
    notes += quality.notes
    if sampling_notes:
        # Only our own text goes to this markdown widget; notes naming user data stay in the escaped banner.
        widgets.insert(0, text_widget(title="Sampling", text="\n\n".join(sampling_notes)))
    window = f"{_utc_text(window_start)} to {_utc_text(window_end)}"
    rows = f"Rows: {_rows_text(current_sample)} current, {_rows_text(reference_sample)} reference"
    banner = banner_html(f"Drift report: {monitor_name}", [f"Window: {window}", rows, *notes])
    page = render_page(
        [*widgets, *quality.widgets], title=f"{monitor_name}: drift report, {window}", banner=banner
    )
    try:
        write_text_atomically(out_path, page)
    except OSError as exc:
        raise ReportError(f"cannot write the report of monitor {monitor_name} to {out_path}: {exc}") from exc
    logger.info("wrote the report of monitor %s to %s", monitor_name, out_path)
    return Path(out_path)
