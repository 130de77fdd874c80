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
from monitor.sources.parquetparts import may_overlap, open_parts
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
        self._parts: list[ds.Dataset] | None = None

    @property
    def location(self) -> str:
        return f"files {self.path!r}"

    # -- the interface -----------------------------------------------------------------------

    def read_window(self, columns: Sequence[str] | None, start: datetime, end: datetime) -> pd.DataFrame:
        parquet_files, csv_files = self._files()
        datasets = self._parquet(parquet_files) if parquet_files else []
        headers = {path: self._csv_header(path) for path in csv_files}
        # united by name: a column some files lack reads as missing values there
        every_column = unique(
            [*(n for d in datasets for n in d.schema.names), *(n for h in headers.values() for n in h)]
        )
        wanted = self._wanted_columns(columns, every_column)
        parts = [self._read_parquet_window(dataset, wanted, start, end) for dataset in datasets]
        parts.extend(self._read_csv(path, wanted, header) for path, header in headers.items())
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
        parts: list[pd.DataFrame] = []
        if parquet_files:
            parts.extend(
                self._read_parquet_keys(dataset, wanted, key, values)
                for dataset in self._parquet(parquet_files)
            )
        for path in csv_files:
            header = self._csv_header(path)
            require_columns(wanted, header, f"file {path!r} (matched by {self.path!r})")
            frame = self._read_csv(path, wanted, header, with_timestamp=False)
            parts.append(frame.loc[frame[key].isin(values)])
        frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
        return frame.reset_index(drop=True)

    def count_without_timestamp(self) -> int | None:
        """Nulls of the timestamp column over every file (only that column is read)."""
        parquet_files, csv_files = self._files()
        column = self.config.timestamp
        nulls = 0
        try:
            for part in self._parquet(parquet_files) if parquet_files else []:
                nulls += part.count_rows(filter=ds.field(column).is_null())
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
        for dataset in self._parquet(parquet_files) if parquet_files else []:
            require_columns([timestamp], dataset.schema.names, self.location)
            if pa.types.is_timestamp(dataset.schema.field(timestamp).type):
                candidates.extend(self._newest_from_statistics(dataset, before))
            else:
                candidates.extend(
                    self._newest_scanned(self._read_parquet_window(dataset, [], EARLIEST, before))
                )
        for path in csv_files:
            frame = self._read_csv(path, [], self._csv_header(path))
            frame[timestamp] = to_utc_timestamps(frame[timestamp], timestamp, self.location)
            candidates.extend(self._newest_scanned(within_window(frame, timestamp, EARLIEST, before)))
        return max(candidates).to_pydatetime() if candidates else None

    def columns_in_window(self, start: datetime, end: datetime) -> set[str]:
        """The columns of the Parquet files whose time statistics overlap [start, end) (all
        files' where a file has no statistics), and of every CSV file."""
        parquet_files, csv_files = self._files()
        columns = self._csv_columns_in_window(csv_files, start, end)
        for dataset in self._parquet(parquet_files) if parquet_files else []:
            kind = (
                dataset.schema.field(self.config.timestamp).type
                if self.config.timestamp in dataset.schema.names
                else None
            )
            if kind is None or not pa.types.is_timestamp(kind):
                columns.update(dataset.schema.names)
                continue
            low = pd.Timestamp(start if kind.tz else naive_utc(start))
            high = pd.Timestamp(end if kind.tz else naive_utc(end))
            try:
                overlapping = [
                    fragment.physical_schema.names
                    for fragment in dataset.get_fragments()
                    if may_overlap(fragment, self.config.timestamp, low, high)
                ]
            except (pa.ArrowException, OSError) as exc:
                raise SourceError(f"cannot read Parquet {self.location}: {exc}") from exc
            # no file in the window: nothing is missing from it (``no_data`` tells the user)
            columns.update(*overlapping or [dataset.schema.names])
        return columns

    def _csv_columns_in_window(self, files: list[str], start: datetime, end: datetime) -> set[str]:
        """The columns of the CSV files holding a row in [start, end): only files whose header
        brings a column not yet seen have their time column read (none when all agree)."""
        headers = [set(self._csv_header(path)) for path in files]
        every_column = set().union(*headers)
        if all(header == every_column for header in headers):
            return every_column
        present: set[str] = set()
        for path, header in zip(files, headers, strict=True):
            if header <= present:
                continue
            times = self._read_csv(path, [], list(header))
            times[self.config.timestamp] = to_utc_timestamps(
                times[self.config.timestamp], self.config.timestamp, self.location, self.config.timestamp_unit
            )
            if len(within_window(times, self.config.timestamp, start, end)):
                present |= header
        return present or every_column

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
        for dataset in self._parquet(parquet_files) if parquet_files else []:
            for field in dataset.schema:
                kinds.setdefault(field.name, _arrow_kind(field.type))
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

    def _parquet(self, files: list[str]) -> list[ds.Dataset]:
        """The files united by column name; more than one part only when a column's kind of
        type differs between files (see ``parquetparts``)."""
        if self._parts is None:
            self._parts = open_parts(files, _LOCAL_PARQUET, self.location)
        return self._parts

    def _read_parquet_window(
        self, dataset: ds.Dataset, columns: Sequence[str] | None, start: datetime, end: datetime
    ) -> pd.DataFrame:
        names = dataset.schema.names
        wanted = self._wanted_columns(None if columns is None else [c for c in columns if c in names], names)
        time_filter = self._parquet_time_filter(dataset, start, end)
        return self._scan(dataset, wanted, time_filter)

    def _read_parquet_keys(
        self, dataset: ds.Dataset, wanted: list[str], key: str, values: Any
    ) -> pd.DataFrame:
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

    def _csv_header(self, path: str) -> list[str]:
        return list(self._csv_frame(path, nrows=0).columns)

    def _read_csv(
        self, path: str, columns: Sequence[str], header: list[str], *, with_timestamp: bool = True
    ) -> pd.DataFrame:
        """``columns`` of one file; those it lacks (another file has them) as missing values."""
        first = [self.config.timestamp] if with_timestamp else []
        wanted = unique([*first, *columns])
        require_columns(first, header, f"file {path!r} (matched by {self.path!r})")
        frame = self._csv_frame(path, usecols=[c for c in wanted if c in header])
        return frame.reindex(columns=wanted)

    def _csv_frame(self, path: str, **options: Any) -> pd.DataFrame:
        try:
            return pd.read_csv(path, **options)
        except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise SourceError(f"cannot read CSV file {path!r} (matched by {self.path!r}): {exc}") from exc


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
