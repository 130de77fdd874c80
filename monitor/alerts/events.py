"""Alert events and notifications: kept as an import path; the types live in :mod:`monitor.records`."""

from monitor.records.events import AlertEvent, DriftedColumn, Notification, Severity, Status

__all__ = ["AlertEvent", "DriftedColumn", "Notification", "Severity", "Status"]
