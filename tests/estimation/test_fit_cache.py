"""Fitted models as store payloads: arrays and JSON, never a pickle; damaged ones are refitted."""

from __future__ import annotations

import numpy as np
import pytest

from monitor.stats.estimation.cache import pack_cbpe, pack_dle, unpack, unpack_cbpe, unpack_dle
from monitor.stats.estimation.calibration import Calibrator
from monitor.stats.estimation.cbpe import CBPEModel
from monitor.stats.estimation.dle import DLEModel


def test_a_cbpe_model_round_trips_as_arrays_and_json_never_a_pickle() -> None:
    calibrator = Calibrator(np.array([0.1, 0.5, 0.9]), np.array([0.0, 0.4, 1.0]))
    components = {"roc_auc": [[0.1, 0.3], [0.2, float("nan")]]}
    model = CBPEModel(["a", "b"], [calibrator, None], components, {"roc_auc": 0.9})
    payload = pack_cbpe(model)
    _, arrays = unpack(payload)  # np.load(allow_pickle=False) inside: object arrays would fail
    assert all(array.dtype != object for array in arrays.values())
    restored = unpack_cbpe(payload)
    assert restored is not None
    assert restored.classes == ["a", "b"] and restored.calibrators[1] is None
    assert restored.calibrators[0] is not None
    np.testing.assert_array_equal(restored.calibrators[0].x, calibrator.x)
    assert restored.components["roc_auc"][0] == [0.1, 0.3]
    assert np.isnan(restored.components["roc_auc"][1][1])
    assert restored.reference == {"roc_auc": 0.9}


def test_a_dle_model_keeps_its_boosters_as_text() -> None:
    model = DLEModel(
        ["x", "kind", "y_pred"], {"kind": ["a", "b"]}, {"mae": "tree\nversion=v4\n"}, {"mae": [1.5]}, {}
    )
    restored = unpack_dle(pack_dle(model))
    assert restored == model


@pytest.mark.parametrize("payload", [b"", b"not an archive", b"PK\x03\x04broken"])
def test_a_damaged_payload_is_refitted_not_trusted(payload: bytes) -> None:
    assert unpack_cbpe(payload) is None
    assert unpack_dle(payload) is None
