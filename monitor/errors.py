"""The one error tree of monitor.

    MonitorError
    ├── ConfigError      bad config or usage            -> exit 2
    ├── SourceError      a prediction log cannot be read -> exit 3
    ├── StoreError       the state store cannot be used  -> exit 3
    └── DeliveryError    a channel refused or is down    -> exit 3

Errors of dependencies (SQLAlchemy, pyarrow, requests, ...) are translated
into these at the boundary with ``raise ... from exc``; messages never hold a
secret (see ``monitor.secrets``).
"""

from __future__ import annotations


class MonitorError(Exception):
    """Root of every error monitor raises on purpose."""

    exit_code = 3


class ConfigError(MonitorError):
    """The config file, a command-line argument or an environment variable is wrong."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        self.file = file
        self.key = key
        self.detail = message
        where = ": ".join(part for part in (file, key) if part)
        super().__init__(f"{where}: {message}" if where else message)


class SourceError(MonitorError):
    """A source (database, table, file) could not be read."""


class StoreError(MonitorError):
    """The state store could not be reached or written."""


class DeliveryError(MonitorError):
    """A notification channel could not be reached or refused a message."""
