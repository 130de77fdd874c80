"""A glob of Parquet files whose schemas differ, read by column name (docs/reference.md,
"Data incidents", schema).

Files are united by name, as Spark's ``unionByName(allowMissingColumns=True)`` does: a
column a file lacks reads as missing values there, and types that widen (int64 beside
double) are promoted. A column whose *kind* of type differs between files (numbers in one
day's export, text in the next) cannot share one Arrow type: the files are then split
into parts that each agree, read apart and concatenated in pandas, so the column holds
numbers in some rows and text in others and the ``schema`` rule can tell the change.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
import pyarrow as pa
import pyarrow.dataset as ds

from monitor.errors import SourceError


def open_parts(files: Sequence[str], file_format: ds.FileFormat, location: str) -> list[ds.Dataset]:
    """One dataset per group of files that agree on every column's kind of type (usually one)."""
    try:
        dataset = ds.dataset(list(files), format=file_format)
        schemas = [fragment.physical_schema for fragment in dataset.get_fragments()]
        if all(schema.equals(schemas[0]) for schema in schemas[1:]):
            return [dataset]
        conflicting = _conflicting_columns(schemas)
        groups: dict[tuple[str | None, ...], list[tuple[str, pa.Schema]]] = {}
        for path, schema in zip(dataset.files, schemas, strict=True):
            signature = tuple(
                type_family(schema.field(name).type) if name in schema.names else None for name in conflicting
            )
            groups.setdefault(signature, []).append((path, schema))
        return [_united(members, file_format) for members in groups.values()]
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(f"cannot open Parquet {location}: {exc}") from exc


def type_family(kind: pa.DataType) -> str:
    """``number``, ``text``, ``boolean``, ``datetime`` or the type's own name."""
    if pa.types.is_dictionary(kind):
        return type_family(kind.value_type)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "number"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "text"
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return "datetime"
    if pa.types.is_null(kind):
        return "null"
    return str(kind)


def _conflicting_columns(schemas: Sequence[pa.Schema]) -> list[str]:
    families: dict[str, set[str]] = {}
    for schema in schemas:
        for field in schema:
            families.setdefault(field.name, set()).add(type_family(field.type))
    # a column of nulls only (an all-empty day) takes any type: it conflicts with none
    return [name for name, kinds in families.items() if len(kinds - {"null"}) > 1]


def _united(members: list[tuple[str, pa.Schema]], file_format: ds.FileFormat) -> ds.Dataset:
    schemas = [schema for _, schema in members]
    unified = pa.unify_schemas(schemas, promote_options="permissive")
    return ds.dataset([path for path, _ in members], schema=unified, format=file_format)


def may_overlap(fragment: ds.ParquetFileFragment, column: str, low: pd.Timestamp, high: pd.Timestamp) -> bool:
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
