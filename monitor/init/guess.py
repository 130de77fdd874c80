"""`monitor init`'s guesses: which column is what, and which reference and window fit the data.

Each guess carries the reason that goes into the YAML comment next to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.init.data import Span
from monitor.stats import infer_column_kinds

TIME_NAMES = re.compile(
    r"^(timestamp|ts|time|datetime|date|event_time|created_at|predicted_at|.*_(at|time|ts))$", re.I
)
SCORE_NAMES = re.compile(r"(score|proba|probability|prob)$|^(score|proba|prob)", re.I)
PREDICTION_NAMES = re.compile(r"(^|_)(pred|prediction|predicted|yhat|y_hat|output)($|_)", re.I)
TARGET_NAMES = re.compile(r"^(target|label|y|y_true|actual|ground_truth|truth|outcome|class)$", re.I)
ID_NAMES = re.compile(r"(^id$|_id$|^id_|uuid|^key$)", re.I)
EPOCH_2000, EPOCH_2100 = 946_684_800, 4_102_444_800
MIN_WINDOW_ROWS = 1000  # below it Evidently's auto method switches to p-value tests: too noisy to alert on


@dataclass
class Roles:
    timestamp: str
    timestamp_reason: str
    prediction: str | None = None
    score: str | None = None
    target: str | None = None
    target_table: str | None = None
    task: str = "classification"
    identifier: str | None = None
    numerical: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)


def _parses_as_time(values: pd.Series) -> bool:
    present = values.dropna()
    if present.empty or not isinstance(present.iloc[0], str):
        return False
    parsed = pd.to_datetime(present.head(200), errors="coerce", utc=True, format="ISO8601")
    return bool(parsed.notna().mean() > 0.99)


def _epoch_seconds(name: str, values: pd.Series) -> bool:
    """A time-like name holding numbers between 2000 and 2100 as Unix seconds."""
    if not TIME_NAMES.match(name) or not pd.api.types.is_numeric_dtype(values):
        return False
    present = values.dropna()
    return not present.empty and bool(present.between(EPOCH_2000, EPOCH_2100).all())


def timestamp_column(sample: pd.DataFrame) -> tuple[str, str] | None:
    """The time column and why: a datetime column, else ISO text, else epoch seconds; a
    time-like name wins ties."""
    typed = [str(c) for c in sample.columns if pd.api.types.is_datetime64_any_dtype(sample[c])]
    text = [str(c) for c in sample.columns if str(c) not in typed and _parses_as_time(sample[c])]
    epoch = [str(c) for c in sample.columns if _epoch_seconds(str(c), sample[c])]
    found = ((typed, "of a date-time type"), (text, "ISO-8601 text"), (epoch, "Unix seconds"))
    for candidates, how in found:
        if candidates:
            named = [c for c in candidates if TIME_NAMES.match(c)]
            chosen = (named or candidates)[0]
            others = [c for c in candidates if c != chosen]
            also = f"; also time-like: {', '.join(others)}" if others else ""
            return chosen, f"{how}{also}"
    return None


def _is_probability(values: pd.Series) -> bool:
    if not pd.api.types.is_float_dtype(values):
        return False
    present = values.dropna()
    return not present.empty and bool(present.between(0.0, 1.0).all()) and bool(present.nunique() > 2)


def _few_labels(values: pd.Series) -> bool:
    return bool(values.nunique() <= 20)


def model_columns(sample: pd.DataFrame, taken: set[str]) -> tuple[str | None, str | None, str | None]:
    """(prediction, score, target) columns by name and values."""
    names = [str(c) for c in sample.columns if str(c) not in taken]
    scores = [c for c in names if SCORE_NAMES.search(c) and _is_probability(sample[c])]
    predictions = [c for c in names if PREDICTION_NAMES.search(c) and c not in scores]
    prediction = predictions[0] if predictions else None
    score = scores[0] if scores else None
    target = None
    if prediction is not None:  # is_fraud_pred -> is_fraud, pred_price -> price
        stripped = PREDICTION_NAMES.sub("", prediction).strip("_")
        target = stripped if stripped in names and stripped not in (prediction, score) else None
    if target is None:
        target = next((c for c in names if TARGET_NAMES.match(c) and c not in (prediction, score)), None)
    return prediction, score, target


def identifier(sample: pd.DataFrame, taken: set[str]) -> str | None:
    """An id column: id-like name and (nearly) unique values."""
    for name in (str(c) for c in sample.columns if str(c) not in taken):
        values = sample[name].dropna()
        if ID_NAMES.search(name) and not values.empty and values.nunique() >= 0.99 * len(values):
            return name
    return None


def target_elsewhere(
    prediction: str | None, key: str | None, others: dict[str, list[str]]
) -> tuple[str, str] | None:
    """(table, column) of labels in another table sharing the id column: late labels, joined on the id."""
    if key is None:
        return None
    stripped = PREDICTION_NAMES.sub("", prediction).strip("_") if prediction else None
    for table, columns in others.items():
        if key not in columns:
            continue
        for column in columns:
            if column != key and (column == stripped or TARGET_NAMES.match(column)):
                return table, column
    return None


def roles(sample: pd.DataFrame, others: dict[str, list[str]]) -> Roles | None:
    found = timestamp_column(sample)
    if found is None:
        return None
    guessed = Roles(timestamp=found[0], timestamp_reason=found[1])
    taken = {guessed.timestamp}
    guessed.prediction, guessed.score, guessed.target = model_columns(sample, taken)
    taken |= {c for c in (guessed.prediction, guessed.score, guessed.target) if c}
    guessed.identifier = identifier(sample, taken)
    if guessed.target is None:
        elsewhere = target_elsewhere(guessed.prediction, guessed.identifier, others)
        if elsewhere is not None:
            guessed.target_table, guessed.target = elsewhere
    if guessed.prediction is not None and not _few_labels(sample[guessed.prediction]):
        guessed.task = "regression"
    exclude = taken | {c for c in (guessed.identifier,) if c}
    guessed.numerical, guessed.categorical = infer_column_kinds(sample, exclude=exclude)
    return guessed


@dataclass
class Windows:
    window: str
    window_reason: str
    reference_start: pd.Timestamp | None
    reference_end: pd.Timestamp | None
    reference_reason: str
    every: str


WINDOWS = (
    ("1h", timedelta(hours=1)),
    ("1d", timedelta(days=1)),
    ("7d", timedelta(days=7)),
    ("30d", timedelta(days=30)),
)


def windows(span: Span) -> Windows:
    """A window holding about ``MIN_WINDOW_ROWS`` rows at the data's rate; a reference of whole weeks."""
    seconds = max((span.end - span.start).total_seconds(), 1.0)
    per_day = span.rows / seconds * 86400
    name, length = next(
        ((n, d) for n, d in WINDOWS if per_day * d.total_seconds() / 86400 >= MIN_WINDOW_ROWS), WINDOWS[-1]
    )
    per_window = per_day * length.total_seconds() / 86400
    window_reason = f"about {per_window:,.0f} rows per window at the log's {per_day:,.0f} rows a day"
    every = "1h" if length <= timedelta(days=1) else "1d"
    monday = span.start.normalize() - pd.Timedelta(days=span.start.weekday())
    first = monday if monday == span.start else monday + pd.Timedelta(days=7)
    whole_weeks = int((span.end - first) / pd.Timedelta(days=7))
    if whole_weeks >= 2:
        weeks = min(4, whole_weeks - 1)  # at least a week after it to compare
        end = first + pd.Timedelta(days=7 * weeks)
        reason = f"the oldest {weeks} complete week(s) of the log (Monday to Monday, UTC)"
        return Windows(name, window_reason, first, end, reason, every)
    reason = "the log spans less than two complete weeks: the 4 windows before the current one"
    return Windows(name, window_reason, None, None, reason, every)
