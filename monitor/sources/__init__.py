"""Data sources: where a monitor's prediction log (and its late ground truth) is read from.

``SOURCES`` maps ``SourceConfig.kind`` to the Source class; ``read_window`` is
what the checker calls; ``check_monitor_source`` is ``monitor validate --connect``.
"""

from monitor.sources.base import ColumnKind, Source
from monitor.sources.files import FileSource
from monitor.sources.registry import SOURCES, open_source
from monitor.sources.sqlalchemy import SQLAlchemySource, dispose_engines
from monitor.sources.window import check_monitor_source, read_window

__all__ = [
    "SOURCES",
    "ColumnKind",
    "FileSource",
    "SQLAlchemySource",
    "Source",
    "check_monitor_source",
    "dispose_engines",
    "open_source",
    "read_window",
]
