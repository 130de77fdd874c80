"""``segments:`` of a monitor (docs/reference.md, "Segments"): which columns split its rows,
how many segments are checked and how few rows a segment may have.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitor.printable import name_problem

# the store's name columns hold 200 characters (monitor/config/base.py, NAME_LENGTH)
_NAME_LENGTH = 200


class SegmentsConfig(BaseModel):
    """``{by: [country], top: 20, min_rows: 200}``: the ``top`` largest segments of the current
    window (one per value of ``by``, or per combination of values) that hold at least
    ``min_rows`` rows in both windows are checked beside the whole monitor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    by: list[str] = Field(min_length=1, max_length=4)
    top: int = Field(20, ge=1, le=1000)
    min_rows: int = Field(200, ge=1)

    @field_validator("by")
    @classmethod
    def _names(cls, columns: list[str]) -> list[str]:
        for column in columns:
            problem = name_problem(column, _NAME_LENGTH)
            if problem is not None:
                raise ValueError(problem)
        repeated = sorted({column for column in columns if columns.count(column) > 1})
        if repeated:
            raise ValueError(f"column(s) {', '.join(repeated)} listed more than once")
        return columns


def segments_problem(segments: SegmentsConfig, *, timestamp: str) -> str | None:
    """Why these segments cannot be checked with this monitor's source (a config error), or None.

    A column the source lacks is found when the window is read (or by ``validate --connect``):
    any column of the source may split a monitor, listed among the features or not.
    """
    if timestamp in segments.by:
        return f"segments.by: {timestamp!r} is the timestamp column; split by a column of categories"
    return None
