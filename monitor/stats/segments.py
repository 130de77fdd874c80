"""Which rows belong to which segment (docs/reference.md, "Segments"), found once per run.

Every row of both windows gets one integer code for its combination of ``by`` values (a
hash factorisation of each column, NULL a value of its own); one stable argsort of those
codes then gives, for every segment, the positions of its rows in window order. The
statistics take a segment's rows through those positions: nothing is read again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.records.segments import Segment, SkippedSegment, SkippedSegments, plain_value

LISTED_SKIPPED = 100  # the largest skipped segments listed by name; all are counted


@dataclass(frozen=True)
class Grouping:
    """Both windows' rows by segment: ``segments[code]``, and each row's code."""

    segments: tuple[Segment, ...]
    reference_codes: np.ndarray
    current_codes: np.ndarray

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows per segment code in the reference and in the current window."""
        size = len(self.segments)
        return (
            np.bincount(self.reference_codes, minlength=size),
            np.bincount(self.current_codes, minlength=size),
        )


@dataclass(frozen=True)
class Selection:
    """The segments to check, largest first, with their rows' positions in each window."""

    segments: tuple[Segment, ...]
    reference_rows: tuple[np.ndarray, ...]
    current_rows: tuple[np.ndarray, ...]
    skipped: SkippedSegments


def group(reference: pd.DataFrame, current: pd.DataFrame, by: Sequence[str]) -> Grouping:
    """One code per row of each window for its combination of ``by`` values."""
    split = len(reference)
    codes: np.ndarray | None = None
    keys: list[tuple[object, ...]] = [()]
    for column in by:
        both = pd.concat([reference[column], current[column]], ignore_index=True)
        column_codes, uniques = pd.factorize(both, use_na_sentinel=False)
        values = [plain_value(value) for value in np.asarray(uniques, dtype=object)]
        width = max(len(values), 1)
        if codes is None:
            codes, keys = column_codes.astype(np.int64), [(value,) for value in values]
            continue
        combined, seen = pd.factorize(codes * width + column_codes, use_na_sentinel=False)
        keys = [(*keys[pair // width], values[pair % width]) for pair in seen.tolist()]
        codes = combined.astype(np.int64)
    assert codes is not None
    columns = tuple(by)
    segments = tuple(Segment(columns, tuple(key)) for key in keys)  # type: ignore[arg-type]
    return Grouping(segments, codes[:split], codes[split:])


def select(grouping: Grouping, top: int, min_rows: int) -> Selection:
    """The ``top`` largest segments of the current window with ``min_rows`` rows in both."""
    reference_counts, current_counts = grouping.counts()
    texts = [segment.text for segment in grouping.segments]
    # largest first; equal sizes in the order of their names, so runs list them alike
    order = sorted(range(len(texts)), key=lambda code: (-int(current_counts[code]), texts[code]))
    large = [c for c in order if current_counts[c] >= min_rows and reference_counts[c] >= min_rows]
    chosen = large[:top]
    chosen_set = set(chosen)
    skipped = [
        SkippedSegment(
            grouping.segments[code],
            int(current_counts[code]),
            int(reference_counts[code]),
            "top" if code in large else "min_rows",
        )
        for code in order
        if code not in chosen_set
    ]
    summary = SkippedSegments(
        count=len(skipped),
        rows=sum(s.rows for s in skipped),
        reference_rows=sum(s.reference_rows for s in skipped),
        listed=tuple(skipped[:LISTED_SKIPPED]),
    )
    return Selection(
        tuple(grouping.segments[code] for code in chosen),
        _positions(grouping.reference_codes, reference_counts, chosen),
        _positions(grouping.current_codes, current_counts, chosen),
        summary,
    )


def _positions(codes: np.ndarray, counts: np.ndarray, chosen: list[int]) -> tuple[np.ndarray, ...]:
    """Each chosen segment's row positions, ascending: one stable sort serves them all."""
    order = np.argsort(codes, kind="stable")
    starts = np.concatenate(([0], np.cumsum(counts)))
    return tuple(order[starts[code] : starts[code + 1]] for code in chosen)
