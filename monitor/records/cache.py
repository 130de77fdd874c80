"""What a cache of fitted reference state offers (the store, ``monitor.store.Store``): bytes the
caller serialised (never pickles) under (monitor, kind, key)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol


class KeyedCache(Protocol):
    def load_cached(self, monitor: str, kind: str, key: str) -> bytes | None: ...

    def save_cached(self, monitor: str, kind: str, key: str, payload: bytes) -> None: ...


@dataclass(frozen=True)
class MonitorCache:
    """One monitor's entries of a ``KeyedCache``."""

    cache: KeyedCache
    monitor: str

    def load(self, kind: str, key: str) -> bytes | None:
        return self.cache.load_cached(self.monitor, kind, key)

    def save(self, kind: str, key: str, data: bytes) -> None:
        self.cache.save_cached(self.monitor, kind, key, data)


@dataclass(frozen=True)
class SegmentCache:
    """A ``KeyedCache`` whose entries are one segment's: each segment keeps its own newest
    entries (the store keeps a few per monitor and kind), so twenty segments do not push each
    other's fits out. The segment enters as a digest, never as its text (a user's value)."""

    cache: KeyedCache
    segment: str

    def _namespace(self, monitor: str) -> str:
        digest = hashlib.sha256(self.segment.encode()).hexdigest()[:16]
        return f"{monitor}#segment:{digest}"

    def load_cached(self, monitor: str, kind: str, key: str) -> bytes | None:
        return self.cache.load_cached(self._namespace(monitor), kind, key)

    def save_cached(self, monitor: str, kind: str, key: str, payload: bytes) -> None:
        self.cache.save_cached(self._namespace(monitor), kind, key, payload)
