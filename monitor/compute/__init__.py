"""Where a monitor's statistics are computed: here, or where the data lives (docs/reference.md,
"Where the statistics are computed").

``evaluate_windows`` is what the check calls: the statistics from a pushdown engine, or
None when they are to be computed locally from the windows' frames.
"""

from monitor.compute.base import ENGINES, ComputeEngine, WindowStatistics, engine_class
from monitor.compute.choose import evaluate_windows, pushdown_engine

__all__ = [
    "ENGINES",
    "ComputeEngine",
    "WindowStatistics",
    "engine_class",
    "evaluate_windows",
    "pushdown_engine",
]
