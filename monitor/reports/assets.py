"""Evidently's renderer (its JavaScript bundle and icon font), shared by every report of a folder.

Evidently's ``save_html`` inlines a 3.5 MB bundle and a base64 font into every page. Like
Evidently's own folder save mode (``SaveMode.FOLDER``), reports written into ``reports.dir``
instead load them from ``reports.dir/_static/``, written once per Evidently version; the page
links them relatively, so it opens from disk and from the daemon's ``/reports/`` alike
(docs/reports.md). A page written elsewhere (``monitor report -o FILE``) is self-contained.

Only the installed package's files are read: Evidently's Python code is never imported here.
"""

from __future__ import annotations

import base64
import importlib.metadata
import importlib.util
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from monitor.reports.page import ReportError
from monitor.reports.paths import write_bytes_atomically

# Never a monitor's folder: monitor folder names start with a letter, digit or "-" (paths.safe_name).
STATIC_DIR = "_static"
_BUNDLE = "index.js"
_FONT = "material-ui-icons.woff2"


@dataclass(frozen=True)
class Renderer:
    """How a page loads Evidently's renderer: script and font URLs, or the files' contents inline."""

    script_url: str | None = None
    font_url: str | None = None
    script: str | None = None
    font_base64: str | None = None


@lru_cache(maxsize=1)
def _static_dir() -> Path:
    spec = importlib.util.find_spec("evidently")  # locates the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise ReportError("Evidently is not installed: reports need its renderer (pip install evidently)")
    static = Path(next(iter(spec.submodule_search_locations))) / "nbextension" / "static"
    if not (static / _BUNDLE).is_file():
        raise ReportError(f"the installed Evidently has no renderer bundle at {static / _BUNDLE}")
    return static


def _version() -> str:
    return importlib.metadata.version("evidently")


def shared_renderer(reports_dir: Path, page: Path) -> Renderer:
    """Write the renderer into ``reports_dir/_static`` unless there already; URLs relative to ``page``."""
    static = Path(reports_dir) / STATIC_DIR
    version = _version()
    names = {_BUNDLE: f"evidently-{version}.js", _FONT: f"evidently-{version}-{_FONT}"}
    try:
        for source, name in names.items():
            target = static / name
            original = _static_dir() / source
            # versioned names: a file of the right size is this version's, written by an earlier report
            if not target.is_file() or target.stat().st_size != original.stat().st_size:
                write_bytes_atomically(target, original.read_bytes())
    except OSError as exc:
        raise ReportError(f"cannot write the report renderer to {static}: {exc}") from exc
    relative = Path(os.path.relpath(static, Path(page).parent)).as_posix()
    return Renderer(script_url=f"{relative}/{names[_BUNDLE]}", font_url=f"{relative}/{names[_FONT]}")


def inline_renderer() -> Renderer:
    """The renderer's files inside the page: one file to send around, 3.6 MB larger."""
    static = _static_dir()
    try:
        script = (static / _BUNDLE).read_text(encoding="utf-8")
        font = base64.b64encode((static / _FONT).read_bytes()).decode("ascii")
    except OSError as exc:
        raise ReportError(f"cannot read Evidently's renderer from {static}: {exc}") from exc
    return Renderer(script=script, font_base64=font)
