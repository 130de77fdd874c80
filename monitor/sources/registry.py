"""Which Source class reads which kind of ``source:`` (``SourceConfig.kind``)."""

from __future__ import annotations

import importlib

from monitor.config.models import SourceConfig
from monitor.sources.base import Source

# "module:Class" by kind, imported on first use: a check over files never loads SQLAlchemy
SOURCES: dict[str, str] = {
    "sql": "monitor.sources.sqlalchemy:SQLAlchemySource",
    "files": "monitor.sources.files:FileSource",
    "spark": "monitor.sources.spark:SparkSource",  # computed in Spark; lists its columns only
}


def source_class(kind: str) -> type[Source]:
    module_name, class_name = SOURCES[kind].split(":")
    source: type[Source] = getattr(importlib.import_module(module_name), class_name)
    return source


def open_source(config: SourceConfig) -> Source:
    """The source for ``config``; use it as a context manager to close it."""
    return source_class(config.kind)(config)
