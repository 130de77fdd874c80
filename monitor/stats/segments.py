"""Which rows belong to which segment (docs/reference.md, "Segments"), found once per run.

Every row of both windows gets one integer code for its combination of ``by`` values (a
hash factorisation of each column, NULL a value of its own); one stable argsort of those
codes then gives, for every segment, the positions of its rows in window order. The
statistics take a segment's rows through those positions: nothing is read again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.records.segments import Segment, SkippedSegment, SkippedSegments, plain_value

LISTED_SKIPPED = 100  # the largest skipped segments listed by name; all are counted


@dataclass(frozen=True)
class Grouping:
    """Both windows' rows by segment: each row's segment code, and per code the code of its
    value in each ``by`` column (``parts``), named only for the segments shown."""

    columns: tuple[str, ...]
    uniques: tuple[np.ndarray, ...]  # per column, its distinct values (NULL included)
    parts: np.ndarray  # (segments, columns): per segment, the index of its value in ``uniques``
    reference_codes: np.ndarray
    current_codes: np.ndarray

    def __len__(self) -> int:
        return len(self.parts)

    def segment(self, code: int) -> Segment:
        values = tuple(plain_value(self.uniques[j][self.parts[code, j]]) for j in range(len(self.columns)))
        return Segment(self.columns, values)

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows per segment code in the reference and in the current window."""
        return (
            np.bincount(self.reference_codes, minlength=len(self)),
            np.bincount(self.current_codes, minlength=len(self)),
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
    codes = np.zeros(split + len(current), dtype=np.int64)
    parts = np.zeros((1, 0), dtype=np.int64)
    uniques: list[np.ndarray] = []
    for column in by:
        both = pd.concat([reference[column], current[column]], ignore_index=True)
        column_codes, values = pd.factorize(both, use_na_sentinel=False)
        width = max(len(values), 1)
        uniques.append(np.asarray(values, dtype=object))
        # the pair (segment so far, this column's value) as one number, numbered anew densely
        codes, seen = pd.factorize(codes * width + column_codes, use_na_sentinel=False)
        seen = np.asarray(seen, dtype=np.int64)
        parts = np.column_stack([parts[seen // width], seen % width])
        codes = codes.astype(np.int64)
    return Grouping(tuple(by), tuple(uniques), parts, codes[:split], codes[split:])


def select(grouping: Grouping, top: int, min_rows: int) -> Selection:
    """The ``top`` largest segments of the current window with ``min_rows`` rows in both.

    Largest first; equal sizes by name, so the same data always gives the same segments,
    whatever order the rows come in and whichever engine counts them."""
    reference_counts, current_counts = grouping.counts()
    chosen, skipped = choose(grouping.segment, reference_counts, current_counts, top, min_rows)
    return Selection(
        tuple(grouping.segment(code) for code in chosen),
        _positions(grouping.reference_codes, reference_counts, chosen),
        _positions(grouping.current_codes, current_counts, chosen),
        skipped,
    )


def choose(
    segment: Callable[[int], Segment],
    reference_counts: np.ndarray,
    current_counts: np.ndarray,
    top: int,
    min_rows: int,
) -> tuple[list[int], SkippedSegments]:
    """The codes of the segments to check, largest first (equal sizes by name), and what is
    skipped; ``segment(code)`` names a segment."""
    eligible = (current_counts >= min_rows) & (reference_counts >= min_rows)
    order = np.argsort(-current_counts, kind="stable")
    chosen, rest = _split(order, eligible, top)
    order = _ties_by_name(order, current_counts, segment, _shown_prefix(order, chosen, rest))
    chosen, rest = _split(order, eligible, top)
    listed = tuple(
        SkippedSegment(
            segment(int(code)),
            int(current_counts[code]),
            int(reference_counts[code]),
            "top" if eligible[code] else "min_rows",
        )
        for code in rest[:LISTED_SKIPPED]
    )
    skipped = SkippedSegments(
        count=len(rest),
        rows=int(current_counts[rest].sum()),
        reference_rows=int(reference_counts[rest].sum()),
        listed=listed,
    )
    return [int(code) for code in chosen], skipped


def _split(order: np.ndarray, eligible: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``top`` first eligible codes of ``order``, and the others in ``order``'s order."""
    chosen = order[eligible[order]][:top]
    return chosen, order[~np.isin(order, chosen)]


def _shown_prefix(order: np.ndarray, chosen: np.ndarray, rest: np.ndarray) -> int:
    """How many codes at the head of ``order`` hold every checked and every listed skipped one."""
    shown = np.concatenate([chosen, rest[:LISTED_SKIPPED]])
    return int(np.flatnonzero(np.isin(order, shown)).max()) + 1 if len(shown) else 0


def _ties_by_name(
    order: np.ndarray, counts: np.ndarray, segment: Callable[[int], Segment], prefix: int
) -> np.ndarray:
    """``order`` (by falling count) with equal counts by name, as far as the first ``prefix``
    codes and the rest of the last one's tie: no code beyond is checked or named."""
    if prefix == 0:
        return order
    last = counts[order[prefix - 1]]
    end = prefix + int(np.count_nonzero(counts[order[prefix:]] == last))
    head = sorted(order[:end].tolist(), key=lambda code: (-int(counts[code]), segment(code).text))
    return np.concatenate([np.asarray(head, dtype=order.dtype), order[end:]])


def _positions(codes: np.ndarray, counts: np.ndarray, chosen: list[int]) -> tuple[np.ndarray, ...]:
    """Each chosen segment's row positions, ascending: one stable sort serves them all."""
    order = np.argsort(codes, kind="stable")
    starts = np.concatenate(([0], np.cumsum(counts)))
    return tuple(order[starts[code] : starts[code + 1]] for code in chosen)
