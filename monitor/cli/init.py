"""`monitor init`: write a commented config drafted from a prediction log, then validate it."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from monitor.cli.validate import validate_file
from monitor.errors import ConfigError


def add_init_parser(commands: Any) -> None:
    init = commands.add_parser("init", help="draft a commented config from a prediction log, and validate it")
    init.add_argument("--url", help="SQLAlchemy URL of the database holding the log")
    init.add_argument("--table", help="the log's table (with --url)")
    init.add_argument("--path", help="a glob of CSV or Parquet files (instead of --url)")
    init.add_argument(
        "--out", default="monitor.yaml", help="where to write the config (default monitor.yaml)"
    )
    init.add_argument("--force", action="store_true", help="overwrite --out if it exists")


def run_init(args: argparse.Namespace) -> int:
    """Write the drafted config, then validate it as `monitor validate --connect` does."""
    from monitor.init import PASSWORD_VARIABLE, draft

    out = Path(args.out)
    if out.exists() and not args.force:
        raise ConfigError(f"--out: {out} exists; choose another file or add --force")
    result = draft(args.url, args.table, args.path, out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(result.text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--out: cannot write {out}: {exc.strerror or exc}") from exc
    print(f"wrote {out}")
    if result.password is not None:
        # the config reads it from the environment; this validation too
        os.environ.setdefault(PASSWORD_VARIABLE, result.password)
        print(f"the database password is read from ${PASSWORD_VARIABLE}: export it before `monitor check`")
    sys.stdout.flush()
    code = validate_file(str(out), connect=True)
    if code == 0:
        print(f"next: review the guesses in {out}, then\n  monitor check -c {out}")
    return code
