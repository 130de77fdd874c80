"""Rows with no timestamp: they belong to no window, so a check never sees them; say so.

Counted over the whole source on every run (one ``COUNT(*) ... WHERE ts IS NULL``, or the
timestamp column of the files), logged as a WARNING naming the column and the count, and put
in the check's ``data_quality.rows_without_timestamp`` (docs/reference.md, "Timestamps").
"""

from __future__ import annotations

import logging

from monitor.config.models import MonitorConfig
from monitor.sources.registry import open_source

log = logging.getLogger(__name__)


def count_without_timestamp(name: str, monitor: MonitorConfig) -> int | None:
    """Rows of the monitor's source whose timestamp is null (None: the source cannot tell)."""
    with open_source(monitor.source) as source:
        count = source.count_without_timestamp()
        where = source.location
    if count:
        log.warning(
            "monitor %s: %d row(s) of %s have no value in the timestamp column %r: they are in no "
            "window and are not checked",
            name,
            count,
            where,
            monitor.source.timestamp,
        )
    return count
