"""Fitted models kept in the store (docs/reference.md, "Fitted models"): SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import update

from monitor.stats.estimation.cache import pack_cbpe, unpack, unpack_cbpe
from monitor.stats.estimation.calibration import Calibrator
from monitor.stats.estimation.cbpe import CBPEModel
from monitor.store import SQLAlchemyStore, schema


def test_saved_payloads_come_back_per_monitor_kind_and_key(store: SQLAlchemyStore) -> None:
    assert store.load_cached("m", "cbpe", "k1") is None
    store.save_cached("m", "cbpe", "k1", b"first")
    store.save_cached("m", "dle", "k1", b"other kind")
    store.save_cached("n", "cbpe", "k1", b"other monitor")
    assert store.load_cached("m", "cbpe", "k1") == b"first"
    store.save_cached("m", "cbpe", "k1", b"replaced")  # the same key again: the newer fit wins
    assert store.load_cached("m", "cbpe", "k1") == b"replaced"
    assert store.load_cached("m", "dle", "k1") == b"other kind"
    assert store.load_cached("n", "cbpe", "k1") == b"other monitor"
    assert store.load_cached("m", "cbpe", "k2") is None


def test_retention_prunes_fits_unused_for_that_long(store: SQLAlchemyStore) -> None:
    now = datetime.now(timezone.utc)
    store.save_cached("m", "cbpe", "old", b"old")
    store.save_cached("m", "cbpe", "used", b"used")
    with store.engine.begin() as connection:
        long_ago = now - timedelta(days=500)
        connection.execute(update(schema.cache).values(used_at=long_ago, created_at=long_ago))
    assert store.load_cached("m", "cbpe", "used") == b"used"  # reading it marks it used
    pruned = store.prune_history(now - timedelta(days=400))
    assert pruned.cached == 1
    assert store.load_cached("m", "cbpe", "old") is None
    assert store.load_cached("m", "cbpe", "used") == b"used"


def test_a_cbpe_model_round_trips_as_arrays_and_json_never_a_pickle() -> None:
    calibrator = Calibrator(np.array([0.1, 0.5, 0.9]), np.array([0.0, 0.4, 1.0]))
    model = CBPEModel(
        ["a", "b"], [calibrator, None], {"roc_auc": [[0.1, 0.3], [0.2, float("nan")]]}, {"roc_auc": 0.9}
    )
    payload = pack_cbpe(model)
    meta, arrays = unpack(payload)  # np.load(allow_pickle=False) inside: object arrays would fail
    assert all(array.dtype != object for array in arrays.values())
    restored = unpack_cbpe(payload)
    assert restored is not None
    assert restored.classes == ["a", "b"] and restored.calibrators[1] is None
    assert restored.calibrators[0] is not None
    np.testing.assert_array_equal(restored.calibrators[0].x, calibrator.x)
    assert restored.components["roc_auc"][0] == [0.1, 0.3]
    assert np.isnan(restored.components["roc_auc"][1][1])
    assert restored.reference == {"roc_auc": 0.9}


@pytest.mark.parametrize("payload", [b"", b"not an archive", b"PK\x03\x04broken"])
def test_a_damaged_payload_is_refitted_not_trusted(payload: bytes) -> None:
    assert unpack_cbpe(payload) is None
