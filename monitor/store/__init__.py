"""The state store: every run, metric value, alert state change, notification and silence."""

from monitor.store.records import MetricValue, OutboxItem, RunRecord, Silence
from monitor.store.sqlalchemy import SQLAlchemyStore, new_id

__all__ = ["MetricValue", "OutboxItem", "RunRecord", "SQLAlchemyStore", "Silence", "new_id", "open_store"]


def open_store(url: str) -> SQLAlchemyStore:
    return SQLAlchemyStore(url)
