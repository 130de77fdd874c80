"""A reference window kept as each column's multiset of values, so later runs need not read it again.

The drift methods that can use a cached reference (``monitor.compute.base.PUSHED_DOWN``),
the column-kind inference and the data-incident figures look at one column at a time and
never at the order of its rows: each column's distinct values with their counts give the
same scores as the rows themselves. The performance metrics of the reference (the only
figures that pair columns within a row) are computed once from the rows and kept beside
them (docs/reference.md, "Cached reference profiles").

The payload is our own format, never a pickle: ``MONPROF`` and a version byte, a JSON header
(rows, metrics, per column its pandas dtype and the length of its part), then per column an
Arrow IPC stream of (value, count).
"""

from __future__ import annotations

import io
import json
import logging
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

log = logging.getLogger(__name__)

MAGIC = b"MONPROF\x01"
# a larger profile (a reference of tens of millions of distinct values) is not cached: one store
# row that size strains SQLite's and PostgreSQL's limits for blobs (1 GB)
MAX_PROFILE_BYTES = 900 * 1024 * 1024  # under SQLite's 1e9-byte and PostgreSQL's 1 GB caps


class ProfileFormatError(ValueError):
    """A payload that is not a profile this version wrote (the run reads the reference instead)."""


@dataclass
class ColumnCounts:
    """One column's distinct values (missing ones included, as one value) and their counts."""

    dtype: str
    values: pd.Series
    counts: np.ndarray


@dataclass
class ReferenceProfile:
    """Every profiled column of a reference window, its row count and its performance metrics."""

    rows: int
    columns: dict[str, ColumnCounts] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)

    def frame(self) -> pd.DataFrame:
        """A frame with each column's values in the reference's multiset (sorted by value: rows no
        longer pair columns), in the reference's dtypes."""
        data = {}
        for name, column in self.columns.items():
            values = column.values
            if isinstance(values.dtype, np.dtype) and values.dtype.kind in "fiub":
                repeated = pd.Series(np.repeat(values.to_numpy(), column.counts))  # no index to build
            else:
                repeated = values.repeat(column.counts).reset_index(drop=True)
            if str(repeated.dtype) != column.dtype:
                repeated = repeated.astype(column.dtype)
            data[name] = repeated
        if not data:
            return pd.DataFrame(index=pd.RangeIndex(self.rows))
        return pd.concat(data, axis=1, copy=False)  # columns side by side: no alignment to compute


def build_profile(
    reference: pd.DataFrame, columns: Iterable[str], metrics: dict[str, float]
) -> ReferenceProfile | None:
    """The profile of ``columns`` of ``reference``; None when a column's values cannot be kept
    faithfully (values of mixed Python types, a dtype that does not survive Arrow)."""
    profile = ReferenceProfile(len(reference), metrics=dict(metrics))
    for name in columns:
        series = reference[name]
        if isinstance(series.dtype, np.dtype) and series.dtype.kind in "fiub":
            # numbers: a sort (NaN counted once, last) is several times faster than hashing
            distinct, counts = np.unique(series.to_numpy(), return_counts=True, equal_nan=True)
            values = pd.Series(distinct, dtype=series.dtype)
            column = ColumnCounts(str(series.dtype), values, counts.astype(np.int64))
        else:
            counted = series.value_counts(dropna=False, sort=False)
            values = pd.Series(counted.index, dtype=series.dtype)
            column = ColumnCounts(str(series.dtype), values, counted.to_numpy(dtype=np.int64))
        try:
            _column_bytes(column)
        except (ValueError, TypeError, NotImplementedError) as exc:  # pyarrow's errors are ValueErrors
            log.debug("reference not cached: column %r cannot be kept (%s)", name, exc)
            return None
        profile.columns[str(name)] = column
    return profile


def dump_profile(profile: ReferenceProfile) -> bytes | None:
    """The profile as bytes; None above ``MAX_PROFILE_BYTES``."""
    parts = [_column_bytes(column) for column in profile.columns.values()]
    header = {
        "rows": profile.rows,
        "metrics": profile.metrics,
        "columns": [
            {"name": name, "dtype": column.dtype, "bytes": len(part)}
            for (name, column), part in zip(profile.columns.items(), parts, strict=True)
        ],
    }
    encoded = json.dumps(header).encode("utf-8")
    size = len(MAGIC) + 4 + len(encoded) + sum(len(part) for part in parts)
    if size > MAX_PROFILE_BYTES:
        log.info("reference not cached: its profile takes %d bytes (at most %d)", size, MAX_PROFILE_BYTES)
        return None
    return b"".join([MAGIC, struct.pack(">I", len(encoded)), encoded, *parts])


def load_profile(payload: bytes) -> ReferenceProfile:
    """The profile ``dump_profile`` wrote; ProfileFormatError for anything else."""
    import pyarrow as pa

    if not payload.startswith(MAGIC) or len(payload) < len(MAGIC) + 4:
        raise ProfileFormatError("not a reference profile of this version")
    (length,) = struct.unpack(">I", payload[len(MAGIC) : len(MAGIC) + 4])
    offset = len(MAGIC) + 4
    try:
        header = json.loads(payload[offset : offset + length])
        offset += length
        profile = ReferenceProfile(int(header["rows"]), metrics=dict(header["metrics"]))
        for entry in header["columns"]:
            part = payload[offset : offset + int(entry["bytes"])]
            offset += int(entry["bytes"])
            table = pa.ipc.open_stream(io.BytesIO(part)).read_all()
            values = table.column("value").to_pandas()
            counts = table.column("count").to_numpy().astype(np.int64)
            profile.columns[str(entry["name"])] = ColumnCounts(str(entry["dtype"]), values, counts)
    except (KeyError, TypeError, ValueError, pa.ArrowException) as exc:
        raise ProfileFormatError(f"a damaged reference profile ({exc})") from exc
    if offset != len(payload):
        raise ProfileFormatError("a damaged reference profile (trailing bytes)")
    return profile


def _column_bytes(column: ColumnCounts) -> bytes:
    """One column as an Arrow IPC stream; raises when its values do not make a typed Arrow array
    or do not come back as the same values."""
    import pyarrow as pa

    floating = pd.api.types.is_float_dtype(column.values.dtype)
    # floats keep NaN as NaN (not null): NaN and None are different missing values to numpy
    values = pa.array(column.values, from_pandas=not floating)
    if pa.types.is_null(values.type) and len(values):
        values = values.cast(pa.string())
    table = pa.table({"value": values, "count": pa.array(column.counts, type=pa.int64())})
    back = table.column("value").to_pandas()
    if len(back) and str(back.dtype) != str(column.values.dtype):
        try:
            back = back.astype(column.values.dtype)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"dtype {column.values.dtype} does not survive Arrow") from exc
    if not back.reset_index(drop=True).equals(column.values.reset_index(drop=True)):
        raise ValueError("values do not survive Arrow unchanged")
    sink = io.BytesIO()
    # zstd: counts of distinct values (mostly 1) and sorted numbers compress well
    options = pa.ipc.IpcWriteOptions(compression="zstd")
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue()
