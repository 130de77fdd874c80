"""The store's cache of computed artefacts (reference profiles, fitted models) on SQLite and the live
PostgreSQL: bytes in, the same bytes out; the newest few entries per (monitor, kind) kept; old
entries pruned by retention; stores created before the cache existed gain its table on first use."""

from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, update

from monitor.errors import StoreError
from monitor.store import SQLAlchemyStore, schema
from monitor.store.cache import KEEP

NOW = datetime.now(timezone.utc)


def count_cached(store: SQLAlchemyStore, monitor: str | None = None) -> int:
    query = select(func.count()).select_from(schema.cache)
    if monitor is not None:
        query = query.where(schema.cache.c.monitor == monitor)
    with store.engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def test_bytes_round_trip_and_missing_entries(store: SQLAlchemyStore) -> None:
    every_byte = bytes(range(256)) * 3 + b"\x00"
    large = os.urandom(3_000_000)
    assert store.load_cached("m", "reference-profile", "k1") is None
    store.save_cached("m", "reference-profile", "k1", every_byte)
    store.save_cached("m", "reference-profile", "k2", large)
    store.save_cached("m", "reference-profile", "empty", b"")
    assert store.load_cached("m", "reference-profile", "k1") == every_byte
    assert store.load_cached("m", "reference-profile", "k2") == large
    assert store.load_cached("m", "reference-profile", "empty") == b""
    loaded = store.load_cached("m", "reference-profile", "k1")
    assert isinstance(loaded, bytes)
    # the three parts of the name are separate: no other monitor, kind or key sees the entry
    assert store.load_cached("other", "reference-profile", "k1") is None
    assert store.load_cached("m", "model", "k1") is None
    assert store.load_cached("m", "reference-profile", "k3") is None


def test_saving_a_key_again_replaces_its_payload(store: SQLAlchemyStore) -> None:
    store.save_cached("m", "model", "k", b"first")
    store.save_cached("m", "model", "k", b"second")
    assert store.load_cached("m", "model", "k") == b"second"
    assert count_cached(store) == 1


def test_only_the_newest_entries_per_monitor_and_kind_stay(store: SQLAlchemyStore) -> None:
    for index in range(KEEP + 3):
        store.save_cached("m", "model", f"k{index}", f"payload {index}".encode())
    store.save_cached("m", "reference-profile", "k0", b"another kind")
    store.save_cached("n", "model", "k0", b"another monitor")
    kept = [index for index in range(KEEP + 3) if store.load_cached("m", "model", f"k{index}") is not None]
    assert kept == list(range(3, KEEP + 3))
    assert store.load_cached("m", "model", f"k{KEEP + 2}") == f"payload {KEEP + 2}".encode()
    assert store.load_cached("m", "reference-profile", "k0") == b"another kind"
    assert store.load_cached("n", "model", "k0") == b"another monitor"
    assert count_cached(store) == KEEP + 2


def test_retention_prunes_entries_saved_before_its_cut_off(store: SQLAlchemyStore) -> None:
    store.save_cached("m", "model", "old", b"old")
    store.save_cached("m", "model", "new", b"new")
    with store.engine.begin() as connection:
        connection.execute(
            update(schema.cache).where(schema.cache.c.key == "old").values(saved_at=NOW - timedelta(days=500))
        )
    pruned = store.prune_history(NOW - timedelta(days=400))
    assert pruned.cache == 1
    assert pruned.total == 1
    assert "1 cached item(s)" in pruned.describe()
    assert store.load_cached("m", "model", "old") is None
    assert store.load_cached("m", "model", "new") == b"new"


def test_bad_arguments_are_refused_before_the_store_is_touched(store: SQLAlchemyStore) -> None:
    store.ping()  # creates the tables
    with pytest.raises(ValueError, match="cache key"):
        store.save_cached("m", "model", "k" * 201, b"x")
    with pytest.raises(ValueError, match="cache key"):
        store.load_cached("m", "model", "")
    with pytest.raises(ValueError, match="cache kind"):
        store.load_cached("m", "k" * 65, "key")
    with pytest.raises(TypeError, match="bytes"):
        store.save_cached("m", "model", "k", "text, not bytes")  # type: ignore[arg-type]
    assert count_cached(store) == 0


def test_concurrent_saves_of_one_key_all_succeed(store: SQLAlchemyStore) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def save(index: int) -> None:
        try:
            start.wait(timeout=30)
            for round_ in range(5):
                store.save_cached("m", "model", "shared", f"{index}-{round_}".encode())
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert store.load_cached("m", "model", "shared") in {f"{i}-4".encode() for i in range(4)}
    assert count_cached(store) == 1


def test_a_store_created_before_the_cache_gains_its_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    engine = create_engine(url)
    older = [table for table in schema.metadata.sorted_tables if table is not schema.cache]
    schema.metadata.create_all(engine, tables=older)
    engine.dispose()
    store = SQLAlchemyStore(url)
    try:
        store.save_cached("m", "model", "k", b"payload")
        assert store.load_cached("m", "model", "k") == b"payload"
    finally:
        store.close()


def test_an_unreachable_store_raises_store_error(tmp_path: Path) -> None:
    store = SQLAlchemyStore(f"sqlite:///{tmp_path / 'missing' / 'state.db'}")
    try:
        with pytest.raises(StoreError, match="store sqlite"):
            store.load_cached("m", "model", "k")
        with pytest.raises(StoreError, match="store sqlite"):
            store.save_cached("m", "model", "k", b"x")
    finally:
        store.close()
