"""A segment of a monitor's rows (docs/reference.md, "Segments"): one value, or one
combination of values, of the ``segments.by`` columns, and how it is written.

Its text form names it in alert subjects, the ``segment`` label of ``/metrics``, the store
and ``history --segment``: ``country=DE`` or ``country=DE,channel=web``. A value that could
be misread (empty, ``null``, holding ``, = / "`` or a backslash, or starting or ending with
a space) is written as a JSON string (``country="a,b"``); a NULL value is ``null``
(``country=null``), so no value from the data can change where a name ends.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

SegmentValue = str | int | float | bool | None

_SPECIAL = set(',=/"\\')


def value_text(value: SegmentValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value)
    plain = (
        text
        and text not in ("null", "true", "false")
        and text == text.strip()
        and text.isprintable()
        and not _SPECIAL.intersection(text)
    )
    return text if plain else json.dumps(text, ensure_ascii=False)


def plain_value(value: Any) -> SegmentValue:
    """A value of the data as JSON can hold it: NULL (None, NaN, NaT, pd.NA) is None."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str | bool | int | float):
        return value
    try:
        if value != value:  # pd.NA raises here, NaT is unequal to itself
            return None
    except TypeError:
        return None
    return str(value)


@dataclass(frozen=True)
class Segment:
    """``columns[i]`` holds ``values[i]`` in every row of the segment."""

    columns: tuple[str, ...]
    values: tuple[SegmentValue, ...]

    @property
    def text(self) -> str:
        pairs = zip(self.columns, self.values, strict=True)
        return ",".join(f"{column}={value_text(value)}" for column, value in pairs)

    def to_dict(self) -> dict[str, SegmentValue]:
        return dict(zip(self.columns, self.values, strict=True))

    def subject(self, subject: str | None) -> str:
        """An alert subject within the segment: ``country=DE`` or ``country=DE/amount``."""
        return self.text if subject is None else f"{self.text}/{subject}"


@dataclass(frozen=True)
class SkippedSegment:
    segment: Segment
    rows: int
    reference_rows: int
    reason: str  # "min_rows": too few rows in a window; "top": beyond the ``top`` largest

    def to_dict(self) -> dict[str, Any]:
        return {
            "segment": self.segment.to_dict(),
            "rows": self.rows,
            "reference_rows": self.reference_rows,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class SkippedSegments:
    """The segments not checked: all counted, the largest listed (a column of ids would
    otherwise list one segment per row)."""

    count: int = 0
    rows: int = 0
    reference_rows: int = 0
    listed: tuple[SkippedSegment, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "rows": self.rows,
            "reference_rows": self.reference_rows,
            "segments": [skipped.to_dict() for skipped in self.listed],
        }


def segment_of(subject: str) -> str:
    """The segment an alert subject names (``country=DE`` of ``country=DE/amount``), ``""`` for
    a subject of the whole monitor: the text up to the first ``/`` outside a quoted value,
    when each of its ``,``-separated parts is a ``column=value`` pair."""
    quoted = escaped = False
    end = len(subject)
    for index, char in enumerate(subject):
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "/" and not quoted:
            end = index
            break
    head = subject[:end]
    return head if head and "=" in head.split(",")[0] else ""
