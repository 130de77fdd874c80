"""Exit codes, decided here for every command (docs/reference.md, "Exit codes").

0 ran and nothing fires; 1 ran and an alert fires; 2 bad config or usage; 3 a source,
the store or a channel could not be reached. With several, the most serious wins:
2, then 3, then 1.
"""

from __future__ import annotations

from collections.abc import Iterable

from monitor.errors import ConfigError, MonitorError

EXIT_OK, EXIT_FIRING, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE

_SERIOUSNESS = (EXIT_USAGE, EXIT_UNREACHABLE, EXIT_FIRING, EXIT_OK)


def most_serious(codes: Iterable[int]) -> int:
    present = set(codes)
    return next((code for code in _SERIOUSNESS if code in present), EXIT_OK)


def for_error(exc: MonitorError) -> int:
    return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_UNREACHABLE
