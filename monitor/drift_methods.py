"""The drift method interface and the one registry of methods, keyed by the config's names.

A drift method is a subclass of ``DriftMethod`` (docs/drift-methods.md shows how to write
one). Every method, built-in or third-party, is declared in the entry point group
``monitor.drift_methods`` of its package (``name = "package.module:ClassName"``; the
built-ins in this project's pyproject.toml) and loaded the first time the registry is read;
``register`` adds one from code. ``monitor validate --methods`` lists what is installed.

The registry sits beside the config (which validates ``method:`` names against it), below
the statistics: it names the method modules only through the entry points, and imports
neither scipy nor pandas.
"""

from __future__ import annotations

import abc
import difflib
import logging
import threading
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt

from monitor.errors import ConfigError
from monitor.records.drift import Kind

logger = logging.getLogger(__name__)

KINDS: tuple[Kind, ...] = ("numerical", "categorical", "text")
Direction = Literal["below", "above"]
Sample = npt.NDArray[np.generic]

ENTRY_POINT_GROUP = "monitor.drift_methods"
# the distribution's own methods are loaded first: a plug-in cannot take a built-in's name
BUILTIN_PACKAGE = "monitor"
# other spellings users coming from Evidently's docs type; they name the same method
ALIASES = {"energy_distance": "ed", "epps_singleton": "es"}


class DriftMethod(abc.ABC):
    """How to score a reference and a current sample, and when the score means drift.

    ``score`` receives samples already cleaned (missing values and ±inf dropped, never
    empty): numerical columns as float64 arrays, categorical columns as int64 codes
    numbered in ascending value order, text columns as object arrays of strings.
    Samples may be views of the window: read them, never modify them.
    """

    name: ClassVar[str]
    kinds: ClassVar[tuple[Kind, ...]]
    default_threshold: ClassVar[float]
    # "below": a p-value, drift when the score is under the threshold; "above": a distance
    direction: ClassVar[Direction]
    # whether a score equal to the threshold counts as drift (Evidently differs per test)
    inclusive: ClassVar[bool] = False
    description: ClassVar[str] = ""

    @abc.abstractmethod
    def score(self, reference: Sample, current: Sample) -> float:
        """The drift score; NaN when the samples cannot be compared (reported as no score)."""

    def drifted(self, score: float, threshold: float) -> bool:
        if self.direction == "below":
            return score <= threshold if self.inclusive else score < threshold
        return score >= threshold if self.inclusive else score > threshold

    def verdict(self) -> str:
        """When the score means drift, in words (``monitor validate --methods``)."""
        if self.direction == "below":
            return f"score {'<=' if self.inclusive else '<'} threshold"
        return f"score {'>=' if self.inclusive else '>'} threshold"

    def evaluate(self, reference: Sample, current: Sample, threshold: float) -> tuple[float, bool]:
        """Score and verdict; override only when the verdict needs more than the score."""
        value = self.score(reference, current)
        return value, self.drifted(value, threshold)


_registry: dict[str, DriftMethod] = {}
_plugin_errors: dict[str, str] = {}
_loaded = False
_lock = threading.RLock()


def register(method_class: type[DriftMethod]) -> type[DriftMethod]:
    """Class decorator adding a method to the registry under its ``name``."""
    method = _checked_instance(method_class)
    with _lock:
        existing = _registry.get(method.name)
        if existing is not None and type(existing) is not method_class:
            raise ValueError(
                f"drift method {method.name!r} is already registered by {type(existing).__name__}"
            )
        _registry[method.name] = method
    return method_class


def _checked_instance(method_class: object) -> DriftMethod:
    if not (isinstance(method_class, type) and issubclass(method_class, DriftMethod)):
        raise TypeError(f"{method_class!r} is not a subclass of monitor.stats.DriftMethod")
    for attribute in ("name", "kinds", "default_threshold", "direction"):
        if not hasattr(method_class, attribute):
            raise TypeError(f"drift method {method_class.__name__} does not set {attribute}")
    if method_class.direction not in ("below", "above"):
        raise TypeError(f"drift method {method_class.name!r}: direction must be 'below' or 'above'")
    unknown = [kind for kind in method_class.kinds if kind not in KINDS]
    if unknown or not method_class.kinds:
        raise TypeError(f"drift method {method_class.name!r}: kinds must be among {', '.join(KINDS)}")
    if method_class.name == "auto" or method_class.name in ALIASES:
        raise TypeError(f"drift method name {method_class.name!r} is reserved")
    return method_class()


def drift_methods() -> Mapping[str, DriftMethod]:
    """Every installed method by name: the built-ins, then the plug-ins."""
    global _loaded
    with _lock:
        if not _loaded:
            _load_entry_points()
            _loaded = True
        if "ks" not in _registry:
            raise ConfigError(
                "the built-in drift methods are not registered: install model-monitor "
                "(pip install -e . in a checkout) so that its entry points exist"
            )
        return dict(_registry)


def is_builtin(method: DriftMethod) -> bool:
    return type(method).__module__.split(".")[0] == BUILTIN_PACKAGE


def _load_entry_points() -> None:
    found = entry_points(group=ENTRY_POINT_GROUP)
    ordered = sorted(found, key=lambda entry_point: entry_point.module.split(".")[0] != BUILTIN_PACKAGE)
    for entry_point in ordered:
        where = f"{entry_point.name} = {entry_point.value}"
        try:
            method = _checked_instance(entry_point.load())
        except Exception as exc:  # a broken plug-in must not stop the monitors that do not use it
            _plugin_errors[entry_point.name] = f"{where}: {type(exc).__name__}: {exc}"
            logger.warning("drift method plug-in %s could not be loaded: %s", where, exc)
            continue
        if method.name != entry_point.name:
            _plugin_errors[entry_point.name] = f"{where}: the class is named {method.name!r}"
            continue
        if method.name in _registry:
            if type(_registry[method.name]) is not type(method):
                _plugin_errors[entry_point.name] = f"{where}: {method.name!r} is already a drift method"
            continue
        _registry[method.name] = method


def plugin_errors() -> Mapping[str, str]:
    """Entry points of the group that could not be loaded, by name, with why."""
    drift_methods()
    return dict(_plugin_errors)


def canonical_name(name: str) -> str:
    return ALIASES.get(name, name)


def get_method(name: str) -> DriftMethod:
    """The method a config names; ConfigError (with a "did you mean") when none is installed."""
    methods = drift_methods()
    method = methods.get(canonical_name(name))
    if method is None:
        raise ConfigError(unknown_method_message(name))
    return method


def unknown_method_message(name: str) -> str:
    methods = drift_methods()
    message = f"unknown drift method {name!r}"
    close = difflib.get_close_matches(name, [*methods, *ALIASES], n=1, cutoff=0.6)
    close += [known for known in methods if known.lower() == name.lower() and known not in close]
    if close:
        message += f"; did you mean {canonical_name(close[-1])!r}"
    if name in _plugin_errors:
        message += f" (its plug-in failed to load: {_plugin_errors[name]})"
    return f"{message}; installed: auto, {', '.join(sorted(methods, key=str.lower))}"


def methods_for(kind: Kind) -> list[str]:
    return [name for name, method in drift_methods().items() if kind in method.kinds]


def describe_methods() -> list[str]:
    """What ``monitor validate --methods`` prints: a summary line, one line per method, and
    one per plug-in that failed to load."""
    methods = dict(
        sorted(drift_methods().items(), key=lambda item: (not is_builtin(item[1]), item[0].lower()))
    )
    lines = [f"drift methods: auto, {', '.join(methods)}"]
    for name, method in methods.items():
        origin = "built-in" if is_builtin(method) else type(method).__module__
        lines.append(
            f"  {name}: {'/'.join(method.kinds)}; drift when {method.verdict()}; "
            f"default threshold {method.default_threshold:g}; {origin}"
        )
    lines += [f"  plug-in not loaded: {error}" for error in plugin_errors().values()]
    return lines
