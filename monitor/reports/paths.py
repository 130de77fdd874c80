"""Where reports live: one directory per monitor, one file per window end.

    reports_dir/index.html
    reports_dir/<monitor>/index.html
    reports_dir/<monitor>/2026-03-08T00-00-00.html      (window end, UTC)

Monitor names come from the config and may hold anything YAML allows, so the
directory name is made filesystem- and URL-safe; a name that had to change
gets a short hash of the original so two names never share a directory.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
from collections.abc import Collection
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

logger = logging.getLogger(__name__)

REPORT_TIME_FORMAT = "%Y-%m-%dT%H-%M-%S"
REPORT_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.html$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 80


def safe_name(monitor: str) -> str:
    """A directory name for ``monitor``: itself when already safe, else a cleaned form plus a hash."""
    cleaned = _UNSAFE.sub("_", monitor).strip("._")[:_MAX_NAME]
    if cleaned == monitor:
        return monitor
    digest = hashlib.sha256(monitor.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned or 'monitor'}-{digest}"


def monitor_dir(reports_dir: Path, monitor: str) -> Path:
    return Path(reports_dir) / safe_name(monitor)


def _utc(moment: datetime) -> datetime:
    # Naive times are UTC throughout monitor (see monitor.config.base.to_utc).
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def report_path(reports_dir: Path, monitor: str, window_end: datetime) -> Path:
    """``reports_dir/<monitor>/<window end, UTC, as 2026-03-08T00-00-00>.html``."""
    return monitor_dir(reports_dir, monitor) / f"{_utc(window_end).strftime(REPORT_TIME_FORMAT)}.html"


def quote_relative(relative: str | Path) -> str:
    """A relative path as a URL path: POSIX separators, every segment percent-quoted."""
    parts = Path(relative).as_posix().split("/")
    return "/".join(quote(part, safe="") for part in parts)


def report_url(base_url: str | None, reports_dir: Path, path: Path) -> str | None:
    """``base_url`` + the report's path below ``reports_dir``; None without a base URL or outside the dir."""
    if not base_url:
        return None
    try:
        relative = Path(os.path.abspath(path)).relative_to(os.path.abspath(reports_dir))
    except ValueError:
        logger.debug("report %s is outside the reports directory %s: no URL", path, reports_dir)
        return None
    return f"{base_url.rstrip('/')}/{quote_relative(relative)}"


def report_window_end(path: Path) -> datetime | None:
    """The window end a report file is named after, or None for any other file."""
    if not REPORT_NAME.match(path.name):
        return None
    try:
        return datetime.strptime(path.stem, REPORT_TIME_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def write_text_atomically(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` so readers see the old file or the whole new one, never a part."""
    return write_bytes_atomically(path, text.encode("utf-8"))


def write_bytes_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so readers see the old file or the whole new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A unique name per writer: two runs writing the same report never share a temporary file.
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temporary, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    return path


def prune_reports(
    reports_dir: Path,
    monitor: str,
    keep: int | timedelta | None,
    now: datetime,
    protected: Collection[Path] = (),
) -> list[Path]:
    """Delete a monitor's old reports, never one in ``protected``; return what was deleted.

    ``keep`` an int: the newest ``keep`` reports stay. A duration: reports whose
    window ended more than ``keep`` before ``now`` go. None: nothing is deleted.
    Only files named like reports are considered (never index.html or others).
    """
    if keep is None:
        return []
    if isinstance(keep, int) and keep < 0:
        raise ValueError(f"keep must be 0 or more reports, not {keep}")
    directory = monitor_dir(reports_dir, monitor)
    if not directory.is_dir():
        return []
    dated = sorted(
        ((end, path) for path in directory.iterdir() if path.is_file() and (end := report_window_end(path))),
        reverse=True,
    )
    if isinstance(keep, timedelta):
        oldest_kept = _utc(now) - keep
        doomed = [path for end, path in dated if end < oldest_kept]
    else:
        doomed = [path for _, path in dated[keep:]]
    spared = {os.path.abspath(path) for path in protected}
    deleted: list[Path] = []
    for path in doomed:
        if os.path.abspath(path) in spared:
            continue
        try:
            path.unlink()
        except FileNotFoundError:  # pruned concurrently by another process: the goal is met
            continue
        deleted.append(path)
    if deleted:
        logger.info("pruned %s old report(s) of monitor %s", len(deleted), monitor)
    return deleted
