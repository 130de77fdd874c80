"""The ``monitor`` command line (docs/reference.md, "Commands"); exit codes in ``monitor.cli.exits``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from monitor import __version__
from monitor.cli.alerts import add_alerts_parser, run_alerts
from monitor.cli.check import add_check_parsers, run_backfill, run_check
from monitor.cli.exits import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    for_error,
)
from monitor.cli.history import add_history_parser, run_history
from monitor.cli.init import add_init_parser, run_init
from monitor.cli.run import add_run_parser, run_daemon
from monitor.cli.store import add_store_parser, run_store
from monitor.cli.validate import add_validate_parser, run_validate
from monitor.errors import ConfigError, MonitorError
from monitor.secrets import scrub

if TYPE_CHECKING:  # the check path's modules (pandas, scipy) load only when a command needs them
    pass

log = logging.getLogger("monitor")


LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]
LOG_FORMATS = ["text", "json"]


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors, as docs/reference.md documents; keep its message one line.

    Every (sub)command accepts the global flags, so `monitor run -c x.yaml --log-format json`
    works as well as `monitor --log-format json run -c x.yaml`. They default to SUPPRESS, so a
    subcommand that is not given them keeps what the top level parsed (or its defaults).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `debug` as well as `DEBUG`, as Python's logging and most daemons take them
        self.add_argument(
            "--log-level", type=str.upper, choices=LOG_LEVELS, default=argparse.SUPPRESS, help="default INFO"
        )
        self.add_argument("--log-format", choices=LOG_FORMATS, default=argparse.SUPPRESS, help="default text")

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"monitor: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="monitor", description="Watch ML models in production: drift, performance, alerts.")
    parser.add_argument("--version", action="version", version=f"monitor {__version__}")
    parser.set_defaults(log_level="INFO", log_format="text")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    add_check_parsers(commands)

    report = commands.add_parser("report", help="write the HTML drift report of one window")
    report.add_argument("-c", "--config", required=True)
    report.add_argument("-m", "--monitor", required=True)
    report.add_argument("--at")
    report.add_argument("-o", "--output")

    add_validate_parser(commands)

    add_alerts_parser(commands)
    add_history_parser(commands)
    add_run_parser(commands)
    add_store_parser(commands)

    demo = commands.add_parser("demo", help="a synthetic prediction log, a config, a check and a report")
    demo.add_argument("--dir", default="monitor-demo")
    add_init_parser(commands)
    return parser


def _run_report(args: argparse.Namespace) -> int:
    from monitor.cli.times import parse_at
    from monitor.config import load_config
    from monitor.reports.run import report_for_window

    config = load_config(args.config)
    if args.monitor not in config.monitors:
        raise ConfigError(f"-m: unknown monitor {args.monitor!r} (monitors: {', '.join(config.monitors)})")
    path = report_for_window(config, args.monitor, parse_at(args.at, "--at"), args.output)
    print(path)
    return EXIT_OK


def _run_demo(args: argparse.Namespace) -> int:
    from monitor.demo import run_demo

    return run_demo(args.dir)


Handler = Callable[[argparse.Namespace], int]
HANDLERS: dict[str, Handler] = {
    "check": run_check,
    "backfill": run_backfill,
    "report": _run_report,
    "validate": run_validate,
    "demo": _run_demo,
    "init": run_init,
    "alerts": run_alerts,
    "history": run_history,
    "run": run_daemon,
    "store": run_store,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from monitor.logs import setup_logging

    setup_logging(args.log_level, args.log_format)
    try:
        return HANDLERS[args.command](args)
    except MonitorError as exc:
        print(f"monitor: error: {scrub(str(exc))}", file=sys.stderr)
        return for_error(exc)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `monitor check --json | head`: the reader left. Point stdout at /dev/null so the
        # interpreter's final flush does not fail again, and exit as a shell reports SIGPIPE.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # a bug of ours: one line, no traceback that could hold a secret
        log.debug("unexpected error", exc_info=True)
        print(
            f"monitor: error: unexpected {type(exc).__name__}: {scrub(str(exc))} "
            "(--log-level DEBUG shows where)",
            file=sys.stderr,
        )
        return EXIT_UNREACHABLE


if __name__ == "__main__":
    sys.exit(main())
