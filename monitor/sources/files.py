"""Prediction logs in files: a glob of CSV and/or Parquet files.

Parquet is read with pyarrow datasets, projecting the needed columns and
pushing the time filter into the scan (row groups outside the window are
skipped by their statistics). CSV has no index to push into: the needed
columns are parsed with pandas and filtered after.
"""

from __future__ import annotations

import glob
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from monitor.config.models import SourceConfig
from monitor.errors import SourceError
from monitor.sources.base import EARLIEST, ColumnKind, Source, kind_of_dtype, require_columns, unique
from monitor.sources.timestamps import (
    TimeStorage,
    bound_value,
    detect_storage,
    epoch_unit,
    naive_utc,
    text_ranges,
    to_utc_timestamps,
    within_window,
)

PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz")
_SAMPLE_ROWS = 1000
# The files are local (a glob): pre-buffering, made to batch reads from object stores, only
# holds whole column chunks in memory beside the decoded data (about 100 MB more per
# million-row window) for no gain.
_LOCAL_PARQUET = ds.ParquetFileFormat(
    default_fragment_scan_options=ds.ParquetFragmentScanOptions(pre_buffer=False)
)


class FileSource(Source):
    """Every CSV/Parquet file matching ``config.path`` (a glob; ``**`` recurses)."""

    def __init__(self, config: SourceConfig) -> None:
        super().__init__(config)
        if config.path is None:
            raise SourceError("a file source needs a path")
        self.path = config.path
        self._dataset: ds.Dataset | None = None

    @property
    def location(self) -> str:
        return f"files {self.path!r}"

    # -- the interface -----------------------------------------------------------------------

    def read_window(self, columns: Sequence[str] | None, start: datetime, end: datetime) -> pd.DataFrame:
        parquet_files, csv_files = self._files()
        parts = []
        if parquet_files:
            parts.append(self._read_parquet_window(parquet_files, columns, start, end))
        parts.extend(self._read_csv(path, columns) for path in csv_files)
        frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
        timestamp = self.config.timestamp
        frame[timestamp] = to_utc_timestamps(
            frame[timestamp], timestamp, self.location, self.config.timestamp_unit
        )
        if _already_within(frame, timestamp, start, end):
            return frame
        return within_window(frame, timestamp, start, end)

    def read_keys(self, key: str, columns: Sequence[str], keys: pd.Series) -> pd.DataFrame:
        parquet_files, csv_files = self._files()
        wanted = unique([key, *columns])
        values = keys.dropna().unique()
        parts = []
        if parquet_files:
            parts.append(self._read_parquet_keys(parquet_files, wanted, key, values))
        for path in csv_files:
            frame = self._read_csv(path, wanted, with_timestamp=False)
            parts.append(frame.loc[frame[key].isin(values)])
        frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
        return frame.reset_index(drop=True)

    def count_without_timestamp(self) -> int | None:
        """Nulls of the timestamp column over every file (only that column is read)."""
        parquet_files, csv_files = self._files()
        column = self.config.timestamp
        nulls = 0
        if parquet_files:
            try:
                nulls += self._parquet(parquet_files).count_rows(filter=ds.field(column).is_null())
            except (pa.ArrowException, OSError) as exc:
                raise SourceError(f"cannot read Parquet {self.location}: {exc}") from exc
        for path in csv_files:
            nulls += int(self._csv_frame(path, usecols=[column])[column].isna().sum())
        return nulls

    def newest_timestamp(self, before: datetime) -> datetime | None:
        """From Parquet row-group statistics where the time column is a timestamp: only row
        groups that straddle ``before`` are read; other files read their time column alone."""
        parquet_files, csv_files = self._files()
        timestamp = self.config.timestamp
        candidates: list[pd.Timestamp] = []
        if parquet_files:
            dataset = self._parquet(parquet_files)
            require_columns([timestamp], dataset.schema.names, self.location)
            if pa.types.is_timestamp(dataset.schema.field(timestamp).type):
                candidates.extend(self._newest_from_statistics(dataset, before))
            else:
                candidates.extend(
                    self._newest_scanned(self._read_parquet_window(parquet_files, [], EARLIEST, before))
                )
        for path in csv_files:
            frame = self._read_csv(path, [])
            frame[timestamp] = to_utc_timestamps(frame[timestamp], timestamp, self.location)
            candidates.extend(self._newest_scanned(within_window(frame, timestamp, EARLIEST, before)))
        return max(candidates).to_pydatetime() if candidates else None

    def columns_in_window(self, start: datetime, end: datetime) -> set[str]:
        """The columns of the Parquet files whose time statistics overlap [start, end) (all
        files' where a file has no statistics), and of every CSV file."""
        parquet_files, csv_files = self._files()
        columns: set[str] = set()
        for path in csv_files:
            columns.update(self._csv_frame(path, nrows=0).columns)
        if parquet_files:
            dataset = self._parquet(parquet_files)
            kind = (
                dataset.schema.field(self.config.timestamp).type
                if self.config.timestamp in dataset.schema.names
                else None
            )
            if kind is None or not pa.types.is_timestamp(kind):
                columns.update(dataset.schema.names)
                return columns
            low = pd.Timestamp(start if kind.tz else naive_utc(start))
            high = pd.Timestamp(end if kind.tz else naive_utc(end))
            try:
                for fragment in dataset.get_fragments():
                    if _may_overlap(fragment, self.config.timestamp, low, high):
                        columns.update(fragment.physical_schema.names)
            except (pa.ArrowException, OSError) as exc:
                raise SourceError(f"cannot read Parquet {self.location}: {exc}") from exc
        return columns

    def _newest_scanned(self, frame: pd.DataFrame) -> list[pd.Timestamp]:
        times = to_utc_timestamps(frame[self.config.timestamp], self.config.timestamp, self.location)
        return [] if times.dropna().empty else [times.max()]

    def _newest_from_statistics(self, dataset: ds.Dataset, before: datetime) -> list[pd.Timestamp]:
        column = self.config.timestamp
        kind = dataset.schema.field(column).type
        limit = pd.Timestamp(before if kind.tz else naive_utc(before))
        newest: list[pd.Timestamp] = []
        try:
            for fragment in dataset.get_fragments():
                for group in fragment.split_by_row_group():
                    statistics = group.row_groups[0].statistics.get(column) if group.row_groups else None
                    if (
                        statistics
                        and statistics.get("max") is not None
                        and pd.Timestamp(statistics["max"]) < limit
                    ):
                        newest.append(pd.Timestamp(statistics["max"]))
                    elif (
                        not statistics
                        or statistics.get("min") is None
                        or pd.Timestamp(statistics["min"]) < limit
                    ):
                        # no statistics, or the group straddles ``before``: read its times
                        times = group.to_table(
                            columns=[column], filter=ds.field(column) < pa.scalar(limit, type=kind)
                        )
                        if times.num_rows and pc.max(times.column(0)).is_valid:
                            newest.append(pd.Timestamp(pc.max(times.column(0)).as_py()))
        except (pa.ArrowException, OSError) as exc:
            raise SourceError(f"cannot read Parquet {self.location}: {exc}") from exc
        return [t.tz_convert("UTC") if t.tzinfo else t.tz_localize("UTC") for t in newest]

    def list_columns(self) -> dict[str, ColumnKind]:
        parquet_files, csv_files = self._files()
        kinds: dict[str, ColumnKind] = {}
        samples: list[Any] = []
        timestamp = self.config.timestamp
        if parquet_files:
            dataset = self._parquet(parquet_files)
            for field in dataset.schema:
                kinds[field.name] = _arrow_kind(field.type)
            if timestamp in dataset.schema.names:
                samples.append(self._parquet_sample(dataset))
        for path in csv_files:
            sample = self._csv_frame(path, nrows=_SAMPLE_ROWS)
            for name in sample.columns:
                kinds.setdefault(name, kind_of_dtype(sample[name].dtype))
            if timestamp in sample.columns and sample[timestamp].notna().any():
                samples.append(sample[timestamp].dropna().iloc[0])
        if any(self._is_time(sample) for sample in samples if sample is not None):
            kinds[timestamp] = "datetime"
        return kinds

    # -- files -------------------------------------------------------------------------------

    def _files(self) -> tuple[list[str], list[str]]:
        """The matching Parquet and CSV files, each list sorted by name."""
        matches = sorted(name for name in glob.glob(self.path, recursive=True) if not name.endswith("/"))
        if not matches:
            raise SourceError(f"no file matches {self.path!r}")
        parquet = [name for name in matches if name.lower().endswith(PARQUET_SUFFIXES)]
        csv = [name for name in matches if name.lower().endswith(CSV_SUFFIXES)]
        others = sorted(set(matches) - set(parquet) - set(csv))
        if others:
            raise SourceError(f"{others[0]!r} (matched by {self.path!r}) is neither .csv nor .parquet")
        return parquet, csv

    def _is_time(self, sample: Any) -> bool:
        try:
            detect_storage(sample, self.config.timestamp, self.location)
        except SourceError:
            return False
        return True

    # -- Parquet -------------------------------------------------------------------------------

    def _parquet(self, files: list[str]) -> ds.Dataset:
        if self._dataset is None:
            try:
                self._dataset = ds.dataset(files, format=_LOCAL_PARQUET)
            except (pa.ArrowException, OSError) as exc:
                raise SourceError(f"cannot open Parquet {self.location}: {exc}") from exc
        return self._dataset

    def _read_parquet_window(
        self, files: list[str], columns: Sequence[str] | None, start: datetime, end: datetime
    ) -> pd.DataFrame:
        dataset = self._parquet(files)
        wanted = self._wanted_columns(columns, dataset.schema.names)
        time_filter = self._parquet_time_filter(dataset, start, end)
        return self._scan(dataset, wanted, time_filter)

    def _read_parquet_keys(self, files: list[str], wanted: list[str], key: str, values: Any) -> pd.DataFrame:
        dataset = self._parquet(files)
        require_columns(wanted, dataset.schema.names, self.location)
        try:
            keys = pa.array(values).cast(dataset.schema.field(key).type)
        except (pa.ArrowException, TypeError, ValueError):
            # keys that do not cast (say ints against a text key): compare in pandas instead
            frame = self._scan(dataset, wanted, None)
            return frame.loc[frame[key].isin(values)]
        return self._scan(dataset, wanted, ds.field(key).isin(keys))

    def _scan(self, dataset: ds.Dataset, wanted: list[str], row_filter: ds.Expression | None) -> pd.DataFrame:
        try:
            table = dataset.to_table(columns=wanted, filter=row_filter)
        except (pa.ArrowException, OSError) as exc:
            raise SourceError(f"cannot read Parquet {self.location}: {exc}") from exc
        # one block per column, each Arrow column freed once converted: no consolidating copy,
        # so a window never sits in memory three times (Arrow, blocks, consolidated blocks)
        frame = table.to_pandas(split_blocks=True, self_destruct=True)
        del table
        # Arrow's allocator keeps freed decode buffers for reuse; a check reads twice and is done
        pa.default_memory_pool().release_unused()
        return frame

    def _parquet_sample(self, dataset: ds.Dataset) -> Any:
        column = self.config.timestamp
        try:
            head = dataset.scanner(columns=[column], filter=ds.field(column).is_valid()).head(1)
        except (pa.ArrowException, OSError) as exc:
            raise SourceError(f"cannot read Parquet {self.location}: {exc}") from exc
        return head.column(0)[0].as_py() if head.num_rows else None

    def _parquet_time_filter(
        self, dataset: ds.Dataset, start: datetime, end: datetime
    ) -> ds.Expression | None:
        """A superset of [start, end) the scan can apply, or None when only pandas can filter."""
        column = ds.field(self.config.timestamp)
        kind = dataset.schema.field(self.config.timestamp).type
        if pa.types.is_timestamp(kind):
            low = start if kind.tz else naive_utc(start)
            high = end if kind.tz else naive_utc(end)
            return (column >= pa.scalar(low, type=kind)) & (column < pa.scalar(high, type=kind))
        if pa.types.is_date(kind):
            return (column >= pa.scalar(naive_utc(start).date(), type=kind)) & (
                column <= pa.scalar(naive_utc(end).date(), type=kind)
            )
        if pa.types.is_integer(kind) or pa.types.is_floating(kind):
            unit = self.config.timestamp_unit
            if unit is None:  # seconds, milliseconds...: the magnitude of a stored value says
                number = self._parquet_sample(dataset)
                if number is None:
                    return None
                unit = epoch_unit(abs(float(number)))
            epoch = TimeStorage("epoch", unit=unit)
            first, last = cast(float, bound_value(start, epoch)), cast(float, bound_value(end, epoch))
            if pa.types.is_integer(kind):  # whole bounds (a float one fails on int64): still a superset
                return (column >= math.floor(first)) & (column < math.ceil(last))
            return (column >= first) & (column < last)
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            sample = self._parquet_sample(dataset)
            if sample is None:
                return None
            storage = detect_storage(sample, self.config.timestamp, self.location)
            expression: ds.Expression | None = None
            for text_range in text_ranges(start, end, storage):
                clause = (column >= text_range.low) & (column < text_range.high)
                if text_range.pattern is not None:
                    clause = clause & pc.match_like(column, pattern=text_range.pattern)
                expression = clause if expression is None else expression | clause
            return expression
        return None

    # -- CSV -------------------------------------------------------------------------------------

    def _read_csv(
        self, path: str, columns: Sequence[str] | None, *, with_timestamp: bool = True
    ) -> pd.DataFrame:
        header = list(self._csv_frame(path, nrows=0).columns)
        first = [self.config.timestamp] if with_timestamp else []
        wanted = unique([*first, *(header if columns is None else columns)])
        require_columns(wanted, header, f"file {path!r} (matched by {self.path!r})")
        return self._csv_frame(path, usecols=wanted)[wanted]

    def _csv_frame(self, path: str, **options: Any) -> pd.DataFrame:
        try:
            return pd.read_csv(path, **options)
        except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise SourceError(f"cannot read CSV file {path!r} (matched by {self.path!r}): {exc}") from exc


def _may_overlap(
    fragment: ds.ParquetFileFragment, column: str, low: pd.Timestamp, high: pd.Timestamp
) -> bool:
    """False only when the file's statistics show no time of it in [low, high)."""
    if column not in fragment.physical_schema.names:
        return True
    for group in fragment.split_by_row_group():
        statistics = group.row_groups[0].statistics.get(column) if group.row_groups else None
        if not statistics or statistics.get("min") is None or statistics.get("max") is None:
            return True
        if pd.Timestamp(statistics["min"]) < high and pd.Timestamp(statistics["max"]) >= low:
            return True
    return False


def _already_within(frame: pd.DataFrame, column: str, start: datetime, end: datetime) -> bool:
    """True when ``frame`` is already what ``within_window`` would return: every row in
    [start, end), in time order, numbered from 0. The Parquet scan's filter and a log
    written in time order usually make it so, and then filtering, sorting and
    renumbering would only copy every column three times (most of a large read)."""
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or frame.index.step != 1:
        return False
    times = frame[column]
    if times.isna().any() or not times.is_monotonic_increasing:
        return False
    if times.empty:
        return True
    lower = pd.Timestamp(start).tz_convert("UTC") if start.tzinfo else pd.Timestamp(start, tz="UTC")
    upper = pd.Timestamp(end).tz_convert("UTC") if end.tzinfo else pd.Timestamp(end, tz="UTC")
    return bool(times.iloc[0] >= lower) and bool(times.iloc[-1] < upper)


def _arrow_kind(kind: pa.DataType) -> ColumnKind:
    if pa.types.is_dictionary(kind):
        return "categorical"
    if pa.types.is_boolean(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "categorical"
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "numerical"
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return "datetime"
    return "other"
