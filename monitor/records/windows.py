"""Half-open time intervals: the current window and the reference window of a run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime

    def to_dict(self, rows: int) -> dict[str, object]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "rows": rows}


@dataclass(frozen=True)
class Windows:
    current: Interval
    reference: Interval
