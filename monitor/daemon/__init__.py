"""``monitor run``, the daemon (docs/reference.md, "Daemon"): schedules, HTTP, signals, the lease."""

from monitor.daemon.metrics import EXPORTED_METRICS
from monitor.daemon.service import Daemon

__all__ = ["EXPORTED_METRICS", "Daemon"]
