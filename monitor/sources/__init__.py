"""Data sources: where a monitor's prediction log (and its late ground truth) is read from.

``SOURCES`` maps ``SourceConfig.kind`` to the Source class; ``read_window`` is
what the checker calls; ``check_monitor_source`` is ``monitor validate --connect``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from monitor.sources.base import ColumnKind, Source
from monitor.sources.registry import SOURCES, open_source, source_class
from monitor.sources.window import check_monitor_source, read_window, read_windows

if TYPE_CHECKING:
    from monitor.sources.files import FileSource
    from monitor.sources.sqlalchemy import SQLAlchemySource


def dispose_engines() -> None:
    """Close the pooled connections of SQL sources, if any were opened."""
    import sys

    module = sys.modules.get("monitor.sources.sqlfetch")
    if module is not None:
        module.dispose_engines()


def __getattr__(name: str) -> Any:
    if name in ("FileSource", "SQLAlchemySource"):
        return source_class("files" if name == "FileSource" else "sql")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SOURCES",
    "ColumnKind",
    "FileSource",
    "SQLAlchemySource",
    "Source",
    "check_monitor_source",
    "dispose_engines",
    "open_source",
    "source_class",
    "read_window",
    "read_windows",
]
