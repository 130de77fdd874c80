"""Every SQL source test runs on both read paths: Arrow through ADBC, and the SQLAlchemy
fallback (what runs for other dialects, or when no ADBC driver is installed)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from monitor.sources import arrowsql
from monitor.sources import sqlalchemy as sqlalchemy_source

READERS = ["adbc", "sqlalchemy"]


@pytest.fixture(params=READERS)
def sql_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The read path under test; "sqlalchemy" as when the ADBC drivers are not installed."""
    reader: str = request.param
    if reader == "adbc":
        pytest.importorskip("adbc_driver_sqlite", reason="adbc-driver-sqlite is not installed")
        pytest.importorskip("adbc_driver_postgresql", reason="adbc-driver-postgresql is not installed")
        # windows read in 3 concurrent time slices whatever the machine's cores (edges not aligned)
        monkeypatch.setattr(sqlalchemy_source, "READ_SLICES", 3)
    else:
        monkeypatch.setattr(arrowsql, "load_driver", lambda backend: None)
    return reader


class Statements(logging.Handler):
    """Every statement sent: SQLAlchemy's through its cursor event, ADBC's from the reader's
    debug log (statement and bound parameters); and which ADBC reads were declined."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sent: list[tuple[str, Any]] = []
        self.arrow: list[tuple[str, Any]] = []
        self.declined: list[str] = []

    def __call__(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        self.sent.append((statement, parameters))

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("reading through ADBC"):
            statement, parameters = record.args  # type: ignore[misc]
            self.sent.append((statement, parameters))
            self.arrow.append((statement, parameters))
        elif "declined" in record.msg:
            self.declined.append(record.getMessage())

    def reading(self, table: str) -> list[tuple[str, Any]]:
        return [(sql, params) for sql, params in self.sent if table in sql and "LIMIT" not in sql.upper()]


@pytest.fixture
def statements() -> Iterator[Statements]:
    capture = Statements()
    logger = logging.getLogger(arrowsql.__name__)
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(capture)
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", capture)
    yield capture
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", capture)
    logger.removeHandler(capture)
    logger.setLevel(previous)
