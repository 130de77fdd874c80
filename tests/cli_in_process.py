"""The ``monitor`` command through its entry point (``monitor.cli.main``) in the test's own process.

For tests about what a command computes (its ``--json`` document, its exit code, its log lines),
not about processes: they skip a fresh interpreter's imports per command. Tests about
processes, signals and exits of the real executable keep ``subprocess``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import subprocess

from monitor.cli.main import main
from monitor.sources import dispose_engines


def monitor_in_process(*args: str) -> subprocess.CompletedProcess[str]:
    """``monitor ARGS`` as ``main`` runs it: exit code, stdout and stderr (its log lines), as
    ``subprocess.run(..., capture_output=True, text=True)`` reports them."""
    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        # main's logging writes to the sys.stderr of its call: the redirected one
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit_:  # argparse's usage errors
                code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
    finally:
        # what the end of a process does: the pooled connections of SQL sources close, and the
        # root logger gets pytest's handlers back instead of the one main installed
        dispose_engines()
        root.handlers[:] = handlers
        root.setLevel(level)
    return subprocess.CompletedProcess(["monitor", *args], code, out.getvalue(), err.getvalue())
