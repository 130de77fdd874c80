"""Which engine computes a monitor's statistics: ``source.compute`` and the window's size.

``local`` reads the windows here; ``pushdown`` has the engine holding the data compute
them (DuckDB for files, the database for a SQL url, Spark for a spark source); ``auto``
asks that engine how many rows each window holds and pushes down past
``max_local_rows`` (docs/reference.md, "Where the statistics are computed").
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from monitor.compute.base import PUSHED_DOWN, ComputeEngine, WindowStatistics, engine_class
from monitor.config.models import MonitorConfig, SourceConfig
from monitor.errors import ConfigError, MonitorError, SourceError
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


def local_only_methods(monitor: MonitorConfig) -> list[str]:
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


def evaluate_windows(
    monitor: MonitorConfig, windows: Windows, *, reference_cached: bool = False
) -> WindowStatistics | None:
    """The monitor's statistics computed where its data lives, or None: compute them locally.

    None for ``compute: local``, and for ``auto`` when neither window holds more than
    ``max_local_rows`` rows or when no engine can push this source down. With
    ``reference_cached`` (its profile is in the store) ``auto`` counts the current window only.
    """
    source = monitor.source
    if source.compute == "local":
        return None
    if monitor.estimation is not None and monitor.estimation.method == "dle":
        # CBPE reads the prediction columns alone here (monitor.evaluate); DLE learns from every feature
        _refuse(
            monitor,
            "does not estimate with dle, which learns from every feature's values; use compute: local",
        )
        return None
    local_only = local_only_methods(monitor)
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
    from monitor.compute.joined import labels_in_the_same_place
    from monitor.compute.sql import InexactTimeFilter  # sqlglot is imported only to push down

    separate = monitor.target is not None and monitor.target.separate
    labels = labels_in_the_same_place(monitor) if separate else None
    with engine_class(name)(source) as engine, _missing_table_is_a_config_error(monitor):
        if source.compute == "auto" and source.spark is None:
            try:
                if reference_cached:
                    reference_rows, current_rows = 0, engine.current_rows(windows)
                else:
                    reference_rows, current_rows = engine.row_counts(windows)
            except (InexactTimeFilter, SourceError) as exc:
                # the local read says what is wrong in its own words (a missing table: exit 2)
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
        return _evaluate(engine, monitor, windows, separate, labels)


@contextmanager
def _missing_table_is_a_config_error(monitor: MonitorConfig) -> Iterator[None]:
    """An engine's error where the source's table does not exist becomes the error a local read
    gives (exit 2, naming ``source.table``): the engine's words differ per database."""
    try:
        yield
    except SourceError as exc:
        if monitor.source.table is None or monitor.source.url is None:
            raise
        from monitor.sources.base import TableNotFoundError
        from monitor.sources.registry import open_source

        try:
            with open_source(monitor.source) as source:
                source.list_columns()
        except TableNotFoundError as missing:
            raise ConfigError(missing.detail, key="source.table") from exc
        except MonitorError:
            pass  # the database itself is unreachable: the engine's error says so
        raise


def _evaluate(
    engine: ComputeEngine,
    monitor: MonitorConfig,
    windows: Windows,
    separate: bool,
    labels: SourceConfig | None,
) -> WindowStatistics | None:
    """The engine's statistics; a target in another table joined there when it can be, else the
    performance computed here from the windows' keys (``monitor.compute.joined``)."""
    from monitor.compute.joined import join_target_in_engine, local_performance
    from monitor.compute.sql import SqlEngine

    if not separate:
        return _with_segments(engine, monitor, windows)
    if labels is not None and isinstance(engine, SqlEngine):
        join_target_in_engine(engine, monitor, labels)
        try:
            return _with_segments(engine, monitor, windows)
        finally:
            assert engine.joined is not None
            engine.joined.labels.close()
    if monitor.source.spark is not None:  # no rows of a spark: source are read here
        raise ConfigError(
            "a spark: source's labels must be a table or query of its Spark session "
            "(target.table or target.query, without target.url or target.path)",
            key="target",
        )
    if monitor.segments is not None:
        _refuse(monitor, "with segments needs the target in the same database as the predictions")
        return None
    statistics = engine.evaluate(monitor.model_copy(update={"target": None}), windows)
    statistics.performance = local_performance(monitor, windows)
    return statistics


def _with_segments(engine: ComputeEngine, monitor: MonitorConfig, windows: Windows) -> WindowStatistics:
    """The whole monitor's statistics and, with ``segments:``, each chosen segment's."""
    from monitor.compute.segments import with_segments
    from monitor.compute.sql import SqlEngine

    if isinstance(engine, SqlEngine):  # with segments: one pass per segment (docs/reference.md)
        return with_segments(engine, monitor, windows)
    return engine.evaluate(monitor, windows)
