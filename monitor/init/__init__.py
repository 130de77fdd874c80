"""`monitor init`: draft a commented config from a prediction log (docs/reference.md, "monitor init").

Reads the source's schema and a sample, guesses the time, prediction, score, target and id
columns and the features (as ``method: auto`` infers them), sizes a window and a reference
from the log's time span and volume, and writes rules with default thresholds.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from monitor.errors import ConfigError
from monitor.init.data import FileReader, Reader, SQLReader
from monitor.init.guess import roles, windows
from monitor.init.render import SourceText, render
from monitor.secrets import mask_database_url

_SQLITE = re.compile(r"^(sqlite(?:\+\w+)?:///)(?!:memory:)(.+)$")
_PASSWORD = re.compile(r"^([^:/]+(?:\+[^:/]+)?://[^:/@]*:)([^@]*)(@.*)$")
PASSWORD_VARIABLE = "MONITOR_DB_PASSWORD"


@dataclass(frozen=True)
class Draft:
    text: str
    password: str | None  # to export as MONITOR_DB_PASSWORD for the validation


def _relative(path: str, folder: Path) -> str:
    """``path`` (relative to the current directory) as seen from the config's folder."""
    absolute = os.path.abspath(path)
    return os.path.relpath(absolute, folder).replace(os.sep, "/")


def source_text(
    url: str | None, table: str | None, path: str | None, folder: Path
) -> tuple[SourceText, str | None]:
    """The source as the config should name it; a password moves to an environment variable."""
    if path is not None:
        return SourceText(None, None, _relative(path, folder), path), None
    assert url is not None
    password = None
    written = url
    sqlite = _SQLITE.match(url)
    if sqlite:
        written = sqlite.group(1) + _relative(sqlite.group(2), folder)
    else:
        secret = _PASSWORD.match(url)
        if secret and secret.group(2):
            password = secret.group(2)
            written = f"{secret.group(1)}${{{PASSWORD_VARIABLE}}}{secret.group(3)}"
    return SourceText(written, table, None, f"{mask_database_url(url)} table {table}"), password


def _reader(url: str | None, table: str | None, path: str | None) -> Reader:
    if (url is None) == (path is None):
        raise ConfigError(
            "give either --url URL --table TABLE (a SQL table) or --path GLOB (CSV/Parquet files)"
        )
    if url is not None:
        if not table:
            raise ConfigError("--url needs --table TABLE")
        return SQLReader(url, table)
    if table:
        raise ConfigError("--table is for --url sources, not --path files")
    assert path is not None
    return FileReader(path)


def _monitor_name(table: str | None, path: str | None) -> str:
    base = table or Path(str(path).split("*", 1)[0].rstrip("/") or "model").name or "model"
    return re.sub(r"[^A-Za-z0-9_-]+", "-", base).strip("-") or "model"


def draft(url: str | None, table: str | None, path: str | None, out: Path) -> Draft:
    """The config text for this source, to be written at ``out``."""
    reader = _reader(url, table, path)
    inspected = reader.inspect()
    if inspected.sample.empty:
        raise ConfigError(f"{'--table' if url else '--path'}: the source has no rows to learn from")
    guessed = roles(inspected.sample, inspected.other_tables)
    if guessed is None:
        columns = ", ".join(str(c) for c in inspected.sample.columns)
        raise ConfigError(
            f"no column holds date-times or ISO-8601 text to use as the timestamp (columns: {columns})"
        )
    span = reader.span(guessed.timestamp)
    features = [*guessed.numerical, *guessed.categorical]
    worst = float(inspected.sample[features].isna().mean().max()) if features else 0.0
    missing_share = 0.1 if worst <= 0.05 else min(0.9, round(2 * worst, 2))
    source, password = source_text(url, table, path, out.resolve().parent)
    text = render(_monitor_name(table, path), source, guessed, windows(span), span, missing_share)
    return Draft(text, password)
