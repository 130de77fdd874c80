"""Data incidents that are not drift (docs/reference.md, "Data incidents"): what a run found.

Volume, freshness, schema changes, new categories, out-of-range values and duplicate
keys, each a plain frozen value the rules judge and the JSON document, the store and
``/metrics`` show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

SchemaChangeKind = Literal["missing", "type"]


@dataclass(frozen=True)
class Volume:
    rows_per_hour: float
    reference_rows_per_hour: float
    ratio: float | None  # None: the reference holds no rows, so there is no rate to compare with

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows_per_hour": self.rows_per_hour,
            "reference_rows_per_hour": self.reference_rows_per_hour,
            "ratio": self.ratio,
        }


@dataclass(frozen=True)
class Freshness:
    column: str  # the time column
    newest: datetime | None  # None: no row at or before the run time
    age_seconds: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "newest": self.newest.isoformat() if self.newest is not None else None,
            "age_seconds": self.age_seconds,
        }


@dataclass(frozen=True)
class SchemaChange:
    column: str
    change: SchemaChangeKind
    reference_type: str | None
    current_type: str | None
    # what the run could not compute without this column: "prediction_drift", "performance"
    skipped: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "change": self.change,
            "reference_type": self.reference_type,
            "current_type": self.current_type,
            "skipped": list(self.skipped),
        }


@dataclass(frozen=True)
class Offending:
    """The share of a window's rows a check rejects, and the most common rejected values."""

    share: float
    examples: tuple[str, ...] = ()  # at most a few, most frequent first, as text


@dataclass(frozen=True)
class Duplicates:
    key: tuple[str, ...]
    share: float
    examples: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"key": list(self.key), "share": self.share}


@dataclass(frozen=True)
class DataQuality:
    """Every data-incident figure of one run; a part is None when no rule asks for it."""

    volume: Volume | None = None
    freshness: Freshness | None = None
    schema: tuple[SchemaChange, ...] = ()
    duplicates: Duplicates | None = None
    new_categories: dict[str, Offending] | None = None
    out_of_range: dict[str, Offending] | None = None
    # configured columns beside the features found present (the target): ``schema`` resolves on them
    present: tuple[str, ...] = ()

    def to_dict(self, missing: dict[str, float]) -> dict[str, Any]:
        new, out = self.new_categories or {}, self.out_of_range or {}
        columns = list(dict.fromkeys([*missing, *new, *out]))
        return {
            "volume": self.volume.to_dict() if self.volume else None,
            "freshness": self.freshness.to_dict() if self.freshness else None,
            "schema": [change.to_dict() for change in self.schema],
            "duplicates": self.duplicates.to_dict() if self.duplicates else None,
            "columns": [
                {
                    "column": column,
                    "missing_share": missing.get(column),
                    "new_category_share": new[column].share if column in new else None,
                    "out_of_range_share": out[column].share if column in out else None,
                }
                for column in columns
            ],
        }
