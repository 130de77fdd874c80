"""Data-quality figures of a window.

Missing means what Evidently 0.7's ``MissingValueCount`` counts: ``len - count()``,
i.e. NaN, None, NaT and pd.NA. Infinite values are not missing (Evidently reports
them separately), although the drift calculation drops them.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.errors import ConfigError


def missing_shares(frame: pd.DataFrame, columns: Iterable[str]) -> dict[str, float]:
    """Share of missing values per column, in the given order.

    An empty frame gives 0.0 for every column (Evidently would divide by zero): an empty
    window is the ``no_data`` rule's business, not a missing-values breach.
    """
    names = list(columns)
    absent = [name for name in names if name not in frame.columns]
    if absent:
        raise ConfigError(f"column(s) {', '.join(absent)} not found in the data")
    if len(frame) == 0:
        return dict.fromkeys(names, 0.0)
    # column by column: selecting them all first would copy the window
    return {name: float(frame[name].isna().sum()) / len(frame) for name in names}
