"""Which engine computes a monitor's statistics: ``source.compute`` and the window's size.

``local`` reads the windows here; ``pushdown`` has the engine holding the data compute
them (DuckDB for files, the database for a SQL url, Spark for a spark source); ``auto``
asks that engine how many rows each window holds and pushes down past
``max_local_rows`` (docs/reference.md, "Where the statistics are computed").
"""

from __future__ import annotations

import importlib.util
import logging

from monitor.compute.base import PUSHED_DOWN, WindowStatistics, engine_class
from monitor.config.models import MonitorConfig, SourceConfig
from monitor.errors import ConfigError
from monitor.records.windows import Windows

logger = logging.getLogger(__name__)


def pushdown_engine(source: SourceConfig) -> str | None:
    """The name of the engine that would compute ``source`` where it lives, None where none can."""
    if source.spark is not None:
        return "spark"
    if source.path is not None:
        return "duckdb" if importlib.util.find_spec("duckdb") is not None else None
    from monitor.compute.database import backend_dialect

    return backend_dialect(str(source.url))


def _local_only_methods(monitor: MonitorConfig) -> list[str]:
    """The configured drift methods (and text columns) that need the values themselves."""
    from monitor.drift_methods import canonical_name

    drift = monitor.drift
    named = {drift.method, *(setting.method for setting in drift.columns.values())}
    wanted = {name if name == "auto" else canonical_name(name) for name in named}
    if monitor.features is not None and monitor.features.text:
        wanted.add("text columns")
    if monitor.multivariate is not None:
        wanted.add("multivariate drift")
    return sorted(wanted - PUSHED_DOWN)


def _refuse(monitor: MonitorConfig, why: str) -> None:
    if monitor.source.compute == "pushdown" or monitor.source.spark is not None:
        raise ConfigError(f"compute: pushdown {why}", key="source.compute")
    logger.debug("computing locally: pushdown %s", why)


def evaluate_windows(monitor: MonitorConfig, windows: Windows) -> WindowStatistics | None:
    """The monitor's statistics computed where its data lives, or None: compute them locally.

    None for ``compute: local``, and for ``auto`` when neither window holds more than
    ``max_local_rows`` rows or when no engine can push this source down.
    """
    source = monitor.source
    if source.compute == "local":
        return None
    if monitor.target is not None and monitor.target.separate:
        _refuse(monitor, "needs the target in the same rows as the predictions (no join_on)")
        return None
    local_only = _local_only_methods(monitor)
    if local_only:
        _refuse(
            monitor, f"computes only {', '.join(sorted(PUSHED_DOWN - {'auto'}))}, not {', '.join(local_only)}"
        )
        return None
    name = pushdown_engine(source)
    if name is None:
        if source.path is not None:
            _refuse(monitor, "over files needs DuckDB: pip install 'model-monitor[duckdb]'")
        else:
            _refuse(monitor, "has no SQL for this database; use compute: local")
        return None
    from monitor.compute.sql import InexactTimeFilter  # sqlglot is imported only to push down

    with engine_class(name)(source) as engine:
        if source.compute == "auto" and source.spark is None:
            try:
                reference_rows, current_rows = engine.row_counts(windows)
            except InexactTimeFilter as exc:
                logger.debug("computing locally: %s", exc)
                return None
            if max(reference_rows, current_rows) <= source.max_local_rows:
                return None
            logger.info(
                "pushing down to %s: %d reference and %d current rows (max_local_rows %d)",
                name,
                reference_rows,
                current_rows,
                source.max_local_rows,
            )
        return engine.evaluate(monitor, windows)
