"""One segment's view of a monitor's stored runs (docs/reference.md, "Segments"), for
``monitor history --segment`` and the segment pages of the report index.

Every run keeps its segments' figures in its JSON document (``segments``); a segment's
view of a run is that run with the segment's rows, drift, performance and alerts in place
of the whole monitor's. A run that did not check the segment (too few rows, beyond
``top``) shows as ``no_data`` with the rows it had, and its reason as the error text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from monitor.records.segments import Segment
from monitor.records.store import RunRecord


def segment_names(records: Sequence[RunRecord]) -> list[str]:
    """Every segment the runs checked, the newest run's first (largest first)."""
    names: dict[str, None] = {}
    for record in sorted(records, key=lambda r: r.window_end, reverse=True):
        for entry in _entries(record):
            names.setdefault(str(entry["subject"]))
    return list(names)


def segment_record(record: RunRecord, segment: str) -> RunRecord:
    """``record`` as segment ``segment`` (its text, e.g. ``country=DE``) saw it."""
    entry = next((e for e in _entries(record) if e.get("subject") == segment), None)
    if entry is None:
        return _not_checked(record, segment)
    drift = entry.get("drift") or {}
    firing = any(alert.get("status") == "firing" for alert in entry.get("alerts") or [])
    status = record.status if record.status == "error" else "alert" if firing else "ok"
    document = {**(record.result or {}), **entry, "segment_of": record.monitor}
    return replace(
        record,
        rows=int(entry.get("rows") or 0),
        reference_rows=entry.get("reference_rows"),
        status=status,
        drift_share=drift.get("share"),
        dataset_drift=drift.get("dataset_drift"),
        result=document,
    )


def _not_checked(record: RunRecord, segment: str) -> RunRecord:
    skipped = (record.result or {}).get("skipped_segments") or {}
    listed = next(
        (s for s in skipped.get("segments") or [] if isinstance(s, Mapping) and _text(s) == segment), None
    )
    reason = {"min_rows": "too few rows", "top": "beyond the largest segments checked"}.get(
        str(listed.get("reason")) if listed else "", "not checked"
    )
    error = record.error if record.status == "error" else f"segment {segment}: {reason}"
    return replace(
        record,
        rows=int(listed.get("rows") or 0) if listed else 0,
        reference_rows=listed.get("reference_rows") if listed else None,
        status="error" if record.status == "error" else "no_data",
        error=error,
        drift_share=None,
        dataset_drift=None,
        report_path=None,
        result={},
    )


def _entries(record: RunRecord) -> list[Mapping[str, Any]]:
    entries = (record.result or {}).get("segments") or []
    return [e for e in entries if isinstance(e, Mapping) and e.get("subject") is not None]


def known(records: Sequence[RunRecord], segment: str) -> bool:
    """Some run checked ``segment`` or listed it as skipped."""
    for record in records:
        skipped = (record.result or {}).get("skipped_segments") or {}
        listed = [s for s in skipped.get("segments") or [] if isinstance(s, Mapping)]
        if any(e.get("subject") == segment for e in _entries(record)) or any(
            _text(s) == segment for s in listed
        ):
            return True
    return False


def _text(skipped: Mapping[str, Any]) -> str:
    values = skipped.get("segment") or {}
    return Segment(tuple(values), tuple(values.values())).text
