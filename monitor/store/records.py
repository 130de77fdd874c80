"""Store rows: kept as an import path; the types live in :mod:`monitor.records`."""

from monitor.records.store import MetricValue, OutboxItem, RunRecord, Silence, new_id

__all__ = ["MetricValue", "OutboxItem", "RunRecord", "Silence", "new_id"]
