"""The state store: every run, metric value, alert state change, notification and silence.

SQLAlchemy is imported on first use of the store itself, so that ``monitor check --dry-run``
over files never pays for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from monitor.records.store import MetricValue, OutboxItem, RunRecord, Silence, new_id
from monitor.store.abc import Store

if TYPE_CHECKING:
    from monitor.store.sqlalchemy import SQLAlchemyStore

__all__ = [
    "MetricValue",
    "OutboxItem",
    "RunRecord",
    "SQLAlchemyStore",
    "Silence",
    "Store",
    "new_id",
    "open_store",
]


def open_store(url: str) -> Store:
    """The store behind a SQLAlchemy URL (SQLite, PostgreSQL, or any dialect SQLAlchemy has)."""
    from monitor.store.sqlalchemy import SQLAlchemyStore

    return SQLAlchemyStore(url)


def __getattr__(name: str) -> Any:
    if name == "SQLAlchemyStore":
        from monitor.store.sqlalchemy import SQLAlchemyStore

        return SQLAlchemyStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
