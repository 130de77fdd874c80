"""Durations as users write them (``30s``, ``15m``, ``1h``, ``7d``, ``2w``), parsed once at load."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
# a century: longer is a typo (99999999999d overflows every date arithmetic)
MAX_SECONDS = 100 * 365 * 86400
_WHOLE = re.compile(r"^(?:\d+(?:\.\d+)?[smhdw])+$")


def parse_duration(value: Any, *, unitless_ok: bool = True) -> timedelta:
    """``"1h30m"`` -> ``timedelta(hours=1, minutes=30)``; a bare number is seconds when ``unitless_ok``."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"invalid duration {value!r}: use e.g. 30s, 15m, 1h, 7d or 2w")
    if isinstance(value, int | float):
        if not unitless_ok:
            raise ValueError(f"duration {value!r} has no unit: write e.g. {value}d, {value}h or {value}s")
        seconds = float(value)
    elif isinstance(value, str) and _WHOLE.match(value.strip()):
        seconds = sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(value.strip()))
    else:
        raise ValueError(f"invalid duration {value!r}: use e.g. 30s, 15m, 1h, 7d or 2w")
    if not math.isfinite(seconds) or seconds > MAX_SECONDS:
        raise ValueError(f"duration {value!r} is too long: at most {MAX_SECONDS // 86400}d")
    if seconds <= 0:
        raise ValueError(f"invalid duration {value!r}: must be positive")
    return timedelta(seconds=seconds)


def parse_config_duration(value: Any) -> timedelta:
    """A duration in the config: it needs its unit (``window: 7`` is an error, not 7 seconds)."""
    return parse_duration(value, unitless_ok=False)


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in sorted(_UNITS.items(), key=lambda item: -item[1]):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


Duration = Annotated[timedelta, BeforeValidator(parse_config_duration), PlainSerializer(format_duration)]
