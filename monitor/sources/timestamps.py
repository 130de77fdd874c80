"""How a source stores its time column, and turning window bounds into filters that fit it.

A time filter is pushed down to the database or the Parquet reader, so the bound
values must compare the way the stored values do: datetimes against datetimes
(aware for ``timestamptz``, naive UTC for ``timestamp``), numbers against epoch
seconds, and ISO-8601 text against text in the same shape.  Text comparison is
the tricky one: ``'2026-03-01 12:00'`` sorts before ``'2026-03-01T05:00'``
because a space sorts before ``T``.  :func:`text_ranges` therefore returns one
exact range for the separator the column was seen to use and one range, limited
to the other separator, for columns written by several writers.  Whatever the
storage, sources filter again exactly after parsing (:func:`within_window`), so
the pushed-down filter only has to be a superset of the window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Literal

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from monitor.errors import SourceError

StorageKind = Literal["datetime", "text", "epoch"]

# The widest UTC offset in use (+14:00): text with local offsets is compared with this slack.
_MAX_OFFSET = timedelta(hours=14)
_ISO_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}(?P<sep>[T ]?)")
_OFFSET = re.compile(r"(?P<offset>Z|[+-]\d{2}:?\d{2})$")


EpochUnit = Literal["s", "ms", "us", "ns"]
_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def epoch_unit(magnitude: float) -> EpochUnit:
    """The unit of epoch numbers this large (docs/reference.md, "Timestamps"): seconds below 1e11
    (until the year 5138), else milliseconds below 1e14, microseconds below 1e17, else nanoseconds;
    so every time from 1973 on is read right whatever its unit."""
    if magnitude < 1e11:
        return "s"
    if magnitude < 1e14:
        return "ms"
    return "us" if magnitude < 1e17 else "ns"


@dataclass(frozen=True)
class TimeStorage:
    """What one stored value of the time column looks like."""

    kind: StorageKind
    aware: bool = False  # datetime: the driver hands back (and wants) aware datetimes
    separator: str = " "  # text: between date and time
    local_offsets: bool = False  # text: carries a non-UTC offset, so text order is not time order
    unit: EpochUnit = "s"  # epoch: what one unit of the stored number is


def detect_storage(sample: Any, column: str, where: str, unit: EpochUnit | None = None) -> TimeStorage:
    """Classify one non-null stored value of the time column ``column`` of ``where``; epoch numbers
    are in ``unit`` (``source.timestamp_unit``), else in the unit their magnitude says."""
    if isinstance(sample, bool | np.bool_):
        raise SourceError(f"timestamp column {column!r} of {where} holds booleans, not times")
    if isinstance(sample, datetime | pd.Timestamp):
        return TimeStorage("datetime", aware=sample.tzinfo is not None)
    if isinstance(sample, date | np.datetime64):
        return TimeStorage("datetime")
    if isinstance(sample, int | float | Decimal | np.integer | np.floating):
        return TimeStorage("epoch", unit=unit or epoch_unit(abs(float(sample))))
    if isinstance(sample, str):
        text = sample.strip()
        match = _ISO_TEXT.match(text)
        if match is None:
            raise SourceError(
                f"timestamp column {column!r} of {where} holds {sample!r}, not a time "
                "(expected a datetime, ISO-8601 text or epoch seconds)"
            )
        offset = _OFFSET.search(text[10:])
        utc = offset is None or offset["offset"] in ("Z", "+00:00", "-00:00", "+0000", "-0000")
        return TimeStorage("text", separator=match["sep"] or " ", local_offsets=not utc)
    raise SourceError(
        f"timestamp column {column!r} of {where} holds {type(sample).__name__} values, not times"
    )


def naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def bound_value(moment: datetime, storage: TimeStorage) -> datetime | float:
    """A datetime or epoch bound in the form the stored values compare with."""
    if storage.kind == "epoch":
        micros = (moment - _EPOCH) // timedelta(microseconds=1)  # exact, unlike timestamp()
        if storage.unit in ("us", "ns"):
            return micros * _PER_SECOND[storage.unit] // 10**6
        return micros / (10**6 // _PER_SECOND[storage.unit])
    if storage.aware:
        return moment.astimezone(timezone.utc)
    return naive_utc(moment)


def iso_bound(moment: datetime, separator: str) -> str:
    """The shortest ISO text for a UTC instant that sorts like the instant against longer forms.

    '2026-03-01' sorts before every '2026-03-01...' value, so trailing zero parts
    are dropped: a midnight bound then needs no separator at all and a value
    written without seconds is still compared correctly.
    """
    moment = naive_utc(moment)
    text = moment.strftime("%Y-%m-%d")
    if moment.time() == datetime.min.time():
        return text
    text += separator + moment.strftime("%H:%M")
    if moment.second or moment.microsecond:
        text += moment.strftime(":%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text


@dataclass(frozen=True)
class TextRange:
    """``low <= value < high``, and when ``pattern`` is set also ``value LIKE pattern``."""

    low: str
    high: str
    pattern: str | None = None


def text_ranges(start: datetime, end: datetime, storage: TimeStorage) -> list[TextRange]:
    """Ranges of ISO text that together hold every value in [start, end)."""
    if storage.local_offsets:
        # text order follows local time: widen by the largest offset, the exact filter follows
        start, end = start - _MAX_OFFSET, end + _MAX_OFFSET
    seen = storage.separator
    other = "T" if seen == " " else " "
    ranges = [TextRange(iso_bound(start, seen), iso_bound(end, seen))]
    other_range = TextRange(iso_bound(start, other), iso_bound(end, other), f"__________{other}%")
    if (other_range.low, other_range.high) != (ranges[0].low, ranges[0].high):
        ranges.append(other_range)
    return ranges


def time_slices(start: datetime, end: datetime, count: int) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into ``count`` consecutive ranges of equal length (whole microseconds)."""
    step = (end - start) / count
    bounds = [start + step * index for index in range(count)] + [end]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def to_utc_timestamps(values: pd.Series, column: str, where: str, unit: EpochUnit | None = None) -> pd.Series:
    """Stored times (datetimes, ISO text or epoch numbers) as datetime64[ns, UTC]; naive is UTC.

    Epoch numbers are in ``unit`` (``source.timestamp_unit``), else in the unit the magnitude of
    their median says (:func:`epoch_unit`)."""
    try:
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            parsed = values.dt.tz_convert("UTC")
        elif pd.api.types.is_datetime64_any_dtype(values.dtype):
            parsed = values.dt.tz_localize("UTC")
        elif pd.api.types.is_bool_dtype(values.dtype):
            raise ValueError("booleans are not times")
        elif pd.api.types.is_numeric_dtype(values.dtype):
            parsed = _from_epoch(values, unit)
        else:
            parsed = _parse_objects(values, unit)
    except (ValueError, TypeError, OverflowError) as exc:
        example = values.dropna().iloc[0] if values.notna().any() else None
        raise SourceError(
            f"timestamp column {column!r} of {where} cannot be read as times "
            f"(e.g. {example!r}; expected datetimes, ISO-8601 text or epoch seconds): {exc}"
        ) from exc
    return parsed.astype("datetime64[ns, UTC]")


def _from_epoch(numbers: pd.Series, unit: EpochUnit | None) -> pd.Series:
    """Epoch numbers as UTC times; nulls stay NaT. Only the present values are converted: pandas'
    conversion of float epochs with NaN among them can fail with an overflow in its rounding."""
    present = numbers.dropna()
    parsed = pd.to_datetime(present, unit=unit or _unit_of(present), utc=True)
    return parsed.reindex(numbers.index) if len(present) != len(numbers) else parsed


def _unit_of(numbers: pd.Series) -> EpochUnit:
    magnitude = pd.to_numeric(numbers, errors="coerce").abs().median()
    return "s" if pd.isna(magnitude) else epoch_unit(float(magnitude))


def _parse_objects(values: pd.Series, unit: EpochUnit | None = None) -> pd.Series:
    present = values.dropna()
    if present.empty:
        return pd.to_datetime(values, utc=True)
    first = present.iloc[0]
    if isinstance(first, str):
        return pd.to_datetime(values, utc=True, format="ISO8601")
    if isinstance(first, int | float | Decimal) and not isinstance(first, bool):
        return _from_epoch(pd.to_numeric(values), unit)
    return pd.to_datetime(values, utc=True)


def within_window(frame: pd.DataFrame, column: str, start: datetime, end: datetime) -> pd.DataFrame:
    """Rows with start <= column < end, sorted by time (stable, so ties keep source order).

    ``frame`` itself comes back when it already is that (numbered from 0, every time
    present and inside the window, in time order), as a time-filtered read of a log
    written in time order usually is: selecting, sorting and renumbering would each
    copy every column for nothing (about 0.4 s at 1M rows x 24 columns).
    """
    times = frame[column]
    lower = pd.Timestamp(start).tz_convert("UTC") if start.tzinfo else pd.Timestamp(start, tz="UTC")
    upper = pd.Timestamp(end).tz_convert("UTC") if end.tzinfo else pd.Timestamp(end, tz="UTC")
    if _in_order_within(frame, times, lower, upper):
        return frame
    selected = frame.loc[(times >= lower) & (times < upper)]
    return selected.sort_values(column, kind="mergesort").reset_index(drop=True)


def _in_order_within(frame: pd.DataFrame, times: pd.Series, lower: pd.Timestamp, upper: pd.Timestamp) -> bool:
    index = frame.index
    if not isinstance(index, pd.RangeIndex) or index.start != 0 or index.step != 1:
        return False
    if times.empty:
        return False  # the general path also gives an empty frame its usual (copied) form
    if times.isna().any() or not times.is_monotonic_increasing:
        return False
    return bool(times.iloc[0] >= lower) and bool(times.iloc[-1] < upper)
