"""What a cache of fitted reference state offers (the store, ``monitor.store.Store``): bytes the
caller serialised (never pickles) under (monitor, kind, key)."""

from __future__ import annotations

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
