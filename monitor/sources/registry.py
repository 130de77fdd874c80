"""Which Source class reads which kind of ``source:`` (``SourceConfig.kind``)."""

from __future__ import annotations

from monitor.config.models import SourceConfig
from monitor.sources.base import Source
from monitor.sources.files import FileSource
from monitor.sources.sqlalchemy import SQLAlchemySource

SOURCES: dict[str, type[Source]] = {"sql": SQLAlchemySource, "files": FileSource}


def open_source(config: SourceConfig) -> Source:
    """The source for ``config``; use it as a context manager to close it."""
    return SOURCES[config.kind](config)
