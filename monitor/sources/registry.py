"""Which Source class reads which kind of ``source:`` (``SourceConfig.kind``)."""

from __future__ import annotations

import importlib

from monitor.config.models import SourceConfig
from monitor.errors import ConfigError
from monitor.sources.base import Source

# "module:Class" by kind, imported on first use: a check over files never loads SQLAlchemy
SOURCES: dict[str, str] = {
    "sql": "monitor.sources.sqlalchemy:SQLAlchemySource",
    "files": "monitor.sources.files:FileSource",
}


def source_class(kind: str) -> type[Source]:
    if kind not in SOURCES:
        # a spark: source is computed in Spark, never read into this process (docs/reference.md)
        raise ConfigError(f"a {kind} source cannot be read into memory here (HTML reports, compute: local)")
    module_name, class_name = SOURCES[kind].split(":")
    source: type[Source] = getattr(importlib.import_module(module_name), class_name)
    return source


def open_source(config: SourceConfig) -> Source:
    """The source for ``config``; use it as a context manager to close it."""
    return source_class(config.kind)(config)
