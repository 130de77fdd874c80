"""Logging: one line per event on stderr, text for people or JSON for machines, secrets masked."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any

from monitor.printable import escape_control
from monitor.secrets import scrub


class _ScrubbingFormatter(logging.Formatter):
    """One line per event: secrets masked, control characters escaped (docs/reference.md, "Log lines").

    The message, once its arguments are interpolated, is escaped as a whole, so a newline
    in a monitor name, a column name or an exception's text can never start a line of its
    own. A traceback (``--log-level DEBUG``) keeps its lines, each indented, so no line of
    it can pass for an event.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - the stdlib's name
        record.message = escape_control(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:  # noqa: N802 - the stdlib's name
        return _indented(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - the stdlib's name
        return _indented(super().formatStack(stack_info))

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def _indented(text: str) -> str:
    return "\n".join("    " + escape_control(line) for line in text.splitlines())


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
        # json.dumps escapes every control character (and, ensure_ascii, every non-ASCII one):
        # one event is one line whatever its text holds
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
