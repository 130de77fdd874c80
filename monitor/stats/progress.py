"""Progress of a drift computation over many columns.

Scoring a 1,000-column table takes seconds; a person at a terminal should see it
move. The bar goes to stderr (stdout may carry ``--json``), only when stderr is a
terminal and the table is wide, and it disappears when done, so logs, pipes and
the daemon never see it. A caller may instead pass its own ``progress(done, total)``.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# narrower tables finish too fast for a bar to be worth drawing
PROGRESS_MIN_COLUMNS = 100


@contextmanager
def column_progress(
    total: int, callback: Callable[[int, int], None] | None = None
) -> Iterator[Callable[[], None]]:
    """Yield ``advance()``, to be called once per finished column, from any thread."""
    lock = threading.Lock()
    done = 0
    if callback is None and total >= PROGRESS_MIN_COLUMNS and sys.stderr.isatty():
        with _terminal_bar(total) as bar_advance:
            yield bar_advance
        return
    if callback is None:
        yield lambda: None
        return
    report = callback

    def advance() -> None:
        nonlocal done
        with lock:
            done += 1
            report(done, total)

    yield advance


@contextmanager
def _terminal_bar(total: int) -> Iterator[Callable[[], None]]:
    # rich is imported only when a bar is drawn: most runs never need it
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("drift"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("drift", total=total)
        # Progress.advance takes its own lock, so workers may call it directly
        yield lambda: progress.advance(task)
