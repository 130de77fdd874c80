"""When a monitor's reference can come from the store's cache, and under which key.

An absolute reference (``reference: {start, end}``) is the same rows on every run, so its
profile (``monitor.compute.profiles``) is kept in the store under a key naming everything it
was computed from: the source, the reference window, the columns, the drift settings, the
prediction and target settings, and a fingerprint of the reference's data computed where
the data lives (``monitor.compute.fingerprint``). A scheduled run then reads only its current
window (docs/reference.md, "Cached reference profiles").
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.compute.base import engine_class
from monitor.compute.choose import local_only_methods, pushdown_engine
from monitor.compute.profiles import ProfileFormatError, ReferenceProfile, dump_profile, load_profile
from monitor.config.models import MonitorConfig
from monitor.errors import MonitorError
from monitor.records.cache import KeyedCache
from monitor.records.windows import Windows

log = logging.getLogger(__name__)

KIND = "reference-profile"
FORMAT = 1  # part of every key: a new profile format never reads an old one


ProfileCache = KeyedCache  # what the store offers (monitor.store.Store)


@dataclass(frozen=True)
class CachedReference:
    """The cache entry of one run's reference: its key, and the profile when one was saved."""

    cache: ProfileCache
    monitor: str
    key: str
    profile: ReferenceProfile | None

    def save(self, profile: ReferenceProfile) -> None:
        """Keep ``profile`` for the next runs; a store that fails costs only the next run's time."""
        payload = dump_profile(profile)
        if payload is None:
            return
        try:
            self.cache.save_cached(self.monitor, KIND, self.key, payload)
        except MonitorError as exc:
            log.warning("monitor %s: reference profile not cached: %s", self.monitor, exc)
            return
        log.info("monitor %s: reference profile cached (%d bytes)", self.monitor, len(payload))


def why_not_cached(monitor: MonitorConfig) -> str | None:
    """Why this monitor's reference cannot come from a profile; None when it can."""
    reference = monitor.reference
    if reference.start is None or reference.end is None:
        return "the reference moves with the window (reference: {previous: ...})"
    if monitor.source.spark is not None:
        return "a spark source is computed in Spark"
    if monitor.source.path is not None:
        # columnar files read faster than a profile is loaded and rebuilt (benchmarks/README.md)
        return "Parquet and CSV files are read faster than a profile is rebuilt"
    if monitor.source.compute == "pushdown":
        return "compute: pushdown has the engine read both windows"
    local_only = local_only_methods(monitor)
    if local_only:
        return f"method(s) {', '.join(local_only)} need the reference's rows, not its values per column"
    # figures that pair columns within rows (segments, multivariate drift, estimated performance)
    for setting in ("segments", "estimation"):
        if getattr(monitor, setting, None) is not None:
            return f"{setting} need the reference's rows"
    if getattr(monitor.drift, "multivariate", None) is not None:
        return "multivariate drift needs the reference's rows"
    if monitor.target is not None and monitor.target.separate:
        # late labels may still arrive for the reference's rows, which its fingerprint would not see
        return "the target is joined from another table or file"
    if pushdown_engine(monitor.source) is None:
        return "no engine computes a fingerprint of this source"
    return None


def cached_reference(
    name: str, monitor: MonitorConfig, windows: Windows, columns: Sequence[str], cache: ProfileCache
) -> CachedReference | None:
    """The reference's cache entry (with its profile when one is saved); None when the reference
    is not cached (the run reads it as always)."""
    why = why_not_cached(monitor)
    if why is not None:
        log.debug("monitor %s: reference read, not cached: %s", name, why)
        return None
    from monitor.compute.fingerprint import window_fingerprint
    from monitor.compute.sql import SqlEngine

    source = monitor.source
    try:
        with engine_class(str(pushdown_engine(source)))(source) as engine:
            assert isinstance(engine, SqlEngine)  # every pushdown engine runs SQL
            data = window_fingerprint(engine, engine.spec(windows.reference), fingerprinted(monitor, columns))
    except MonitorError as exc:  # the read that follows reports the source's trouble
        log.debug("monitor %s: no fingerprint of the reference: %s", name, exc)
        return None
    key = profile_key(monitor, windows, columns, data)
    try:
        payload = cache.load_cached(name, KIND, key)
    except MonitorError as exc:
        log.warning("monitor %s: cached reference not read: %s", name, exc)
        return None
    profile = None
    if payload is not None:
        try:
            profile = load_profile(payload)
        except ProfileFormatError as exc:
            log.warning("monitor %s: cached reference ignored: %s", name, exc)
    if profile is not None:
        log.info("monitor %s: reference from the cache (%d rows)", name, profile.rows)
    return CachedReference(cache, name, key, profile)


def fingerprinted(monitor: MonitorConfig, columns: Sequence[str]) -> list[str]:
    """The columns the fingerprint sums: the prediction's, and the first profiled column. Each
    column costs a row store (SQLite, PostgreSQL) another field to decode per row: summing all of
    them would cost a tenth of reading the reference (docs/reference.md, "Cached reference
    profiles")."""
    prediction = monitor.prediction
    named = [c for c in (prediction.score, prediction.column) if c is not None] if prediction else []
    return list(dict.fromkeys([*(c for c in named if c in columns), *columns[:1]]))


def profile_key(monitor: MonitorConfig, windows: Windows, columns: Sequence[str], fingerprint: str) -> str:
    """A digest of everything a reference profile depends on (no secret can be read back from it)."""
    source = monitor.source
    described = {
        "format": FORMAT,
        "source": [source.url, source.table, source.query, source.path, source.timestamp],
        "reference": [windows.reference.start.isoformat(), windows.reference.end.isoformat()],
        "columns": list(columns),
        "features": monitor.features.model_dump(mode="json") if monitor.features else None,
        "drift": monitor.drift.model_dump(mode="json"),
        "prediction": monitor.prediction.model_dump(mode="json") if monitor.prediction else None,
        "target": monitor.target.model_dump(mode="json") if monitor.target else None,
        "fingerprint": fingerprint,
    }
    text = json.dumps(described, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
