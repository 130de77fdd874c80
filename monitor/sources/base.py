"""The public base of data sources: what the checker asks of a prediction log.

A source is opened per use (``with open_source(config) as source: ...``); the
expensive parts it relies on (SQLAlchemy engines) are cached by the
implementation, so opening one is cheap.
"""

from __future__ import annotations

import difflib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from types import TracebackType
from typing import Any, Literal

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from monitor.config.models import SourceConfig
from monitor.errors import ConfigError

ColumnKind = Literal["numerical", "categorical", "datetime", "other"]
# the lower bound of "every row so far" (epoch seconds and ISO text both reach it)
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Source(ABC):
    """A table, query or set of files holding one model's prediction log."""

    def __init__(self, config: SourceConfig) -> None:
        self.config = config

    @property
    @abstractmethod
    def location(self) -> str:
        """What to call this source in messages (secrets masked), e.g. "table t in sqlite:///p.db"."""

    @abstractmethod
    def read_window(self, columns: Sequence[str] | None, start: datetime, end: datetime) -> pd.DataFrame:
        """Rows with start <= timestamp < end, sorted by time.

        Only ``columns`` (None: all) plus the timestamp column come back; the
        timestamp column as datetime64[ns, UTC].
        """

    def read_windows(
        self, columns: Sequence[str] | None, windows: Sequence[tuple[datetime, datetime]]
    ) -> list[pd.DataFrame]:
        """``read_window`` of each [start, end) of ``windows``, in that order; sources that can
        read several windows at once (overlapping the database's work) override it."""
        return [self.read_window(columns, start, end) for start, end in windows]

    @abstractmethod
    def read_keys(self, key: str, columns: Sequence[str], keys: pd.Series) -> pd.DataFrame:
        """Rows whose ``key`` is among ``keys``: ``key`` plus ``columns``, in source order."""

    def newest_timestamp(self, before: datetime) -> datetime | None:
        """The newest time in the log earlier than ``before`` (None: no such row), for ``freshness``.

        Sources answer from their own index or statistics where they can; this fallback
        reads the time column alone.
        """
        times = self.read_window([], EARLIEST, before)[self.config.timestamp]
        return None if times.empty else times.max().to_pydatetime()

    def columns_in_window(self, start: datetime, end: datetime) -> set[str]:
        """The columns the rows of [start, end) have: every column of a table; files override
        it, since one day's file may lack a column the others have (``schema`` rule)."""
        return set(self.list_columns())

    @abstractmethod
    def list_columns(self) -> dict[str, ColumnKind]:
        """Every column and its kind; the timestamp column is 'datetime' when its values are times."""

    def close(self) -> None:  # noqa: B027 - most sources hold nothing to release
        """Release what this source holds (engines are shared and outlive it)."""

    def count_without_timestamp(self) -> int | None:
        """How many rows have no value in the timestamp column (they belong to no window), or
        None when this source cannot tell."""
        return None

    def __enter__(self) -> Source:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _wanted_columns(self, columns: Sequence[str] | None, available: Iterable[str]) -> list[str]:
        """The timestamp column then the requested ones, each once; missing ones are an error."""
        available = list(available)
        wanted = unique([self.config.timestamp, *(available if columns is None else columns)])
        require_columns(wanted, available, self.location)
        return wanted


def unique(names: Iterable[str]) -> list[str]:
    """``names`` without repeats, in first-seen order."""
    return list(dict.fromkeys(names))


class ColumnNotFoundError(ConfigError):
    """The config names a column the source does not have: a config mistake (exit 2), found
    only once the source answers. ``column`` is the name, so callers can add its key path."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


class TableNotFoundError(ConfigError):
    """The config names a table the database does not have: a config mistake (exit 2)."""

    def __init__(self, table: str, message: str) -> None:
        super().__init__(message)
        self.table = table


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``candidates``, or nothing."""
    ordered = sorted(candidates)
    same_but_case = [c for c in ordered if c.lower() == name.lower()]
    hint = same_but_case or difflib.get_close_matches(name, ordered, n=1, cutoff=0.6)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def require_columns(wanted: Iterable[str], available: Iterable[str], where: str) -> None:
    """Raise ColumnNotFoundError naming the first column of ``wanted`` that ``where`` lacks."""
    present = set(available)
    for name in wanted:
        if name not in present:
            raise ColumnNotFoundError(
                name, f"column {name!r} not found in {where}{did_you_mean(name, present)}"
            )


def kind_of_dtype(dtype: Any) -> ColumnKind:
    """The kind of a pandas dtype, as drift detection will treat the column."""
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numerical"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype):
        return "categorical"
    return "other"


def kind_of_values(values: pd.Series) -> ColumnKind:
    """Like :func:`kind_of_dtype`, looking at the values of object columns (strings or not)."""
    kind = kind_of_dtype(values.dtype)
    if values.dtype != object:
        return kind
    present = values.dropna()
    if present.empty:
        return "other"
    types = {type(value) for value in present.head(100)}
    if types <= {str}:
        return "categorical"
    if types <= {int, float, bool} or all(hasattr(value, "as_integer_ratio") for value in present.head(100)):
        return "numerical"  # Decimal, numpy scalars
    if all(hasattr(value, "year") for value in present.head(100)):
        return "datetime"
    return "other"
