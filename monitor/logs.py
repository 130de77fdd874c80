"""Logging: one line per event on stderr, text for people or JSON for machines, secrets masked."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

from monitor.secrets import scrub


class _ScrubbingFormatter(logging.Formatter):
    """Masks known secrets and URL passwords in every formatted line, exceptions included."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class _JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return scrub(json.dumps(entry, default=str))


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(_JSONFormatter())
    else:
        handler.setFormatter(_ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # third-party chatter stays out of our one-line-per-event log
    for noisy in ("urllib3", "apscheduler.executors", "evidently", "matplotlib", "PIL"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
