"""Fitted models kept in the store so scheduled runs do not refit (docs/reference.md, "Fitted models").

A fit is keyed by the monitor, the reference window, a fingerprint of the reference rows it
used and the fit's settings: a new reference (or other rows in it) is a new key. Payloads are
never pickles (a store row must not be able to run code): arrays go into an ``.npz`` archive
read with ``allow_pickle=False``, everything else into JSON, LightGBM boosters as their text
model. :class:`FitCache` is what the store offers (``monitor.store.Store`` implements it).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from monitor.errors import MonitorError
from monitor.records.cache import KeyedCache
from monitor.records.windows import Interval
from monitor.stats.estimation.calibration import Calibrator
from monitor.stats.estimation.cbpe import CBPEModel
from monitor.stats.estimation.dle import DLEModel

log = logging.getLogger(__name__)
FORMAT = 1  # bumped when a payload's layout changes: older entries are then refitted


FitCache = KeyedCache  # what the store offers (monitor.store.Store)


def fit_key(
    reference: pd.DataFrame, columns: Sequence[str], window: Interval, settings: dict[str, Any]
) -> str:
    """A digest of the reference window, the rows of ``columns`` in it and the fit's settings."""
    digest = hashlib.sha256()
    digest.update(json.dumps([FORMAT, window.start.isoformat(), window.end.isoformat(), settings]).encode())
    digest.update(str(len(reference)).encode())
    for column in columns:
        digest.update(column.encode())
        digest.update(pd.util.hash_pandas_object(reference[column], index=False).to_numpy().tobytes())
    return digest.hexdigest()


def load(cache: FitCache | None, monitor: str, kind: str, key: str) -> bytes | None:
    if cache is None:
        return None
    try:
        return cache.load_cached(monitor, kind, key)
    except MonitorError as exc:  # the store is down: fit again rather than fail the run
        log.warning("monitor %s: fitted %s model not read from the store: %s", monitor, kind, exc)
        return None


def save(cache: FitCache | None, monitor: str, kind: str, key: str, payload: bytes) -> None:
    if cache is None:
        return
    try:
        cache.save_cached(monitor, kind, key, payload)
    except MonitorError as exc:
        log.warning("monitor %s: fitted %s model not kept in the store: %s", monitor, kind, exc)


def pack(meta: dict[str, Any], arrays: dict[str, np.ndarray[Any, Any]]) -> bytes:
    buffer = io.BytesIO()
    encoded = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    members: dict[str, Any] = {"__meta__": encoded, **arrays}
    np.savez_compressed(buffer, **members)
    return buffer.getvalue()


def unpack(payload: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray[Any, Any]]]:
    with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = json.loads(arrays.pop("__meta__").tobytes().decode("utf-8"))
    if not isinstance(meta, dict):
        raise ValueError("not a fitted model")
    return meta, arrays


def pack_cbpe(model: CBPEModel) -> bytes:
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    for index, calibrator in enumerate(model.calibrators):
        if calibrator is not None:
            arrays[f"x{index}"], arrays[f"y{index}"] = calibrator.x, calibrator.y
    meta = {
        "format": FORMAT,
        "classes": model.classes,
        "calibrators": len(model.calibrators),
        "components": model.components,
        "reference": model.reference,
    }
    return pack(meta, arrays)


def unpack_cbpe(payload: bytes) -> CBPEModel | None:
    """The model, or None when the payload is of an older format or damaged (then refitted)."""
    try:
        meta, arrays = unpack(payload)
        if meta.get("format") != FORMAT:
            return None
        calibrators = [
            Calibrator(arrays[f"x{i}"], arrays[f"y{i}"]) if f"x{i}" in arrays else None
            for i in range(int(meta["calibrators"]))
        ]
        return CBPEModel(meta["classes"], calibrators, meta["components"], meta["reference"])
    except (ValueError, KeyError, TypeError, OSError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("a cached CBPE model could not be read (%s): fitting again", exc)
        return None


def pack_dle(model: DLEModel) -> bytes:
    arrays = {
        f"booster_{metric}": np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        for metric, text in model.boosters.items()
    }
    meta = {
        "format": FORMAT,
        "features": model.features,
        "categories": model.categories,
        "components": model.components,
        "reference": model.reference,
        "metrics": list(model.boosters),
    }
    return pack(meta, arrays)


def unpack_dle(payload: bytes) -> DLEModel | None:
    try:
        meta, arrays = unpack(payload)
        if meta.get("format") != FORMAT:
            return None
        boosters = {
            metric: arrays[f"booster_{metric}"].tobytes().decode("utf-8") for metric in meta["metrics"]
        }
        return DLEModel(meta["features"], meta["categories"], boosters, meta["components"], meta["reference"])
    except (ValueError, KeyError, TypeError, OSError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("a cached DLE model could not be read (%s): fitting again", exc)
        return None
