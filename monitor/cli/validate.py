"""`monitor validate`: the config checked once, and with ``--connect`` every source read."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from monitor.cli.exits import EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE
from monitor.errors import ConfigError, MonitorError
from monitor.secrets import scrub

if TYPE_CHECKING:
    from monitor.config.models import MonitorConfig


def add_validate_parser(commands: Any) -> None:
    validate = commands.add_parser("validate", help="check a config file")
    validate.add_argument("-c", "--config", help="the config file (required unless --methods alone)")
    validate.add_argument("--connect", action="store_true", help="also read the sources")
    validate.add_argument(
        "--methods", action="store_true", help="list the installed drift methods, built-in and plug-in"
    )


def _inferred_features(name: str, monitor: MonitorConfig) -> str:
    """The features ``monitor check`` will infer: from the reference window ending now, as it does."""
    from datetime import datetime, timezone

    from monitor import sources, stats
    from monitor.evaluate.frames import not_features
    from monitor.windows import resolve_windows

    reference = resolve_windows(monitor, datetime.now(timezone.utc)).reference
    sample = sources.read_window(monitor, None, reference.start, reference.end)
    if sample.empty:
        return f"monitors.{name}: features will be inferred; the reference window holds no rows yet"
    numerical, categorical = stats.infer_column_kinds(sample, not_features(monitor))
    return (
        f"monitors.{name}: inferred features: numerical [{', '.join(numerical)}]; "
        f"categorical [{', '.join(categorical)}]"
    )


def run_validate(args: argparse.Namespace) -> int:
    if args.methods:
        from monitor.drift_methods import describe_methods

        for line in describe_methods():
            print(line)
        if args.config is None:
            return EXIT_OK
    if args.config is None:
        raise ConfigError("validate needs -c/--config FILE (or --methods to list the drift methods)")
    return validate_file(args.config, connect=args.connect)


def validate_file(path: str, *, connect: bool) -> int:
    """Load the config at ``path`` and, with ``connect``, read every monitor's source: print each
    problem (every monitor is tried) and return the exit code they call for."""
    from monitor.config import load_config

    config = load_config(path)
    problems: list[str] = []
    unreachable: list[str] = []
    if connect:
        from monitor.sources import check_monitor_source

        for name, monitor in config.monitors.items():
            try:  # every monitor is tried, so one run lists every problem
                found = [f"monitors.{name}.{problem}" for problem in check_monitor_source(monitor)]
                problems += found
                if not found and monitor.features is None:
                    print(_inferred_features(name, monitor))
            except ConfigError as exc:  # a table the database lacks
                problems.append(".".join(p for p in ("monitors", name, exc.key) if p) + f": {exc.detail}")
            except MonitorError as exc:
                unreachable.append(f"monitors.{name}: {scrub(str(exc))}")
    for problem in problems:
        print(f"monitor: error: {path}: {problem}", file=sys.stderr)
    for problem in unreachable:
        print(f"monitor: error: {problem}", file=sys.stderr)
    if problems:
        return EXIT_USAGE
    if unreachable:
        return EXIT_UNREACHABLE
    print(f"{path}: OK ({len(config.monitors)} monitor(s), {len(config.channels)} channel(s))")
    return EXIT_OK
