"""What every section of the config shares: the frozen ``Model``, checked ``Name``s and UTC times
(docs/reference.md, "Config" and "Names").
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict

from monitor.printable import name_problem

# The longest monitor, channel or column name: the store's name columns hold 200 characters on every
# backend (VARCHAR(200) on PostgreSQL), see monitor/store/schema.py and docs/reference.md, "Names".
NAME_LENGTH = 200


def _check_name(name: str) -> str:
    problem = name_problem(name, NAME_LENGTH)
    if problem is not None:
        raise ValueError(problem)
    return name


Name = Annotated[str, AfterValidator(_check_name)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def to_utc(value: Any) -> datetime:
    """Naive times are UTC; dates are midnight UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    elif not isinstance(value, datetime) and hasattr(value, "year"):  # a date
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        raise ValueError(f"invalid time {value!r}: use ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z")
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)
