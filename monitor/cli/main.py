"""The ``monitor`` command line (docs/reference.md, "Commands"). Exit codes are decided here and only here."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from monitor import __version__
from monitor.cli.alerts import add_alerts_parser, run_alerts
from monitor.cli.history import add_history_parser, run_history
from monitor.cli.init import add_init_parser, run_init
from monitor.cli.run import add_run_parser, run_daemon
from monitor.errors import ConfigError, MonitorError
from monitor.secrets import scrub

if TYPE_CHECKING:  # the check path's modules (pandas, scipy) load only when a command needs them
    from monitor.results import MonitorResult

log = logging.getLogger("monitor")

EXIT_OK, EXIT_FIRING, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE


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
        self.add_argument("--log-level", choices=LOG_LEVELS, default=argparse.SUPPRESS, help="default INFO")
        self.add_argument("--log-format", choices=LOG_FORMATS, default=argparse.SUPPRESS, help="default text")

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"monitor: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="monitor", description="Watch ML models in production: drift, performance, alerts.")
    parser.add_argument("--version", action="version", version=f"monitor {__version__}")
    parser.set_defaults(log_level="INFO", log_format="text")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = commands.add_parser("check", help="run each (or the named) monitor once")
    check.add_argument("-c", "--config", required=True)
    check.add_argument("-m", "--monitor", action="append", dest="monitors", metavar="NAME")
    check.add_argument("--at", help="end of the window, ISO 8601 (default: now)")
    check.add_argument("--json", action="store_true", help="the JSON document on stdout")
    check.add_argument("--dry-run", action="store_true", help="evaluate and print; store and send nothing")

    report = commands.add_parser("report", help="write the HTML drift report of one window")
    report.add_argument("-c", "--config", required=True)
    report.add_argument("-m", "--monitor", required=True)
    report.add_argument("--at")
    report.add_argument("-o", "--output")

    validate = commands.add_parser("validate", help="check a config file")
    validate.add_argument("-c", "--config", required=True)
    validate.add_argument("--connect", action="store_true", help="also read the sources")

    add_alerts_parser(commands)
    add_history_parser(commands)
    add_run_parser(commands)

    demo = commands.add_parser("demo", help="a synthetic prediction log, a config, a check and a report")
    demo.add_argument("--dir", default="monitor-demo")
    add_init_parser(commands)
    return parser


def parse_at(value: str | None) -> datetime:
    if value is None:
        return datetime.now(timezone.utc)
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--at: {value!r} is not an ISO 8601 time (e.g. 2026-03-08T00:00:00Z)") from None
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)


def _run_validate(args: argparse.Namespace) -> int:
    from monitor.config import load_config

    config = load_config(args.config)
    problems: list[str] = []
    unreachable: list[str] = []
    if args.connect:
        from monitor.sources import check_monitor_source

        for name, monitor in config.monitors.items():
            try:  # every monitor is tried, so one run lists every problem
                problems += [f"monitors.{name}.{problem}" for problem in check_monitor_source(monitor)]
            except MonitorError as exc:
                unreachable.append(f"monitors.{name}: {scrub(str(exc))}")
    for problem in problems:
        print(f"monitor: error: {args.config}: {problem}", file=sys.stderr)
    for problem in unreachable:
        print(f"monitor: error: {problem}", file=sys.stderr)
    if problems:
        return EXIT_USAGE
    if unreachable:
        return EXIT_UNREACHABLE
    print(f"{args.config}: OK ({len(config.monitors)} monitor(s), {len(config.channels)} channel(s))")
    return EXIT_OK


def _run_check(args: argparse.Namespace) -> int:
    from monitor.config import load_config

    config = load_config(args.config)  # before the heavy imports: a config error is reported at once
    at = parse_at(args.at)
    from monitor.runner import Checker
    from monitor.store import open_store

    store = None if args.dry_run else open_store(config.store)
    results = Checker(config, store, dry_run=args.dry_run).run(args.monitors, at)
    unreached: list[str] = []
    if store is not None:
        from monitor.alerts.dispatch import unreached_channels_after_check

        unreached = unreached_channels_after_check(config, store)
    if args.json:
        print(json.dumps({"monitors": [result.to_dict() for result in results]}, indent=2))
    else:
        from rich.console import Console

        from monitor.cli.render import render_results

        render_results(results, Console(soft_wrap=True), dry_run=args.dry_run)
    return _check_exit_code(args.config, results, unreached)


def _check_exit_code(config_file: str, results: Sequence[MonitorResult], unreached: Sequence[str]) -> int:
    """One line on stderr per monitor that could not be checked; the most serious exit code.

    A config mistake found in the data (a column the source lacks) is 2, like every
    config error; a source that cannot be read, or a channel left with undelivered or failed
    notifications, is 3; else 1 when an alert fires.
    """
    failed = [result for result in results if result.error]
    for result in failed:
        where = f"{config_file}: " if result.error_exit_code == EXIT_USAGE else ""
        print(f"monitor: error: {where}{result.error}", file=sys.stderr)
    if unreached:
        print(
            f"monitor: error: channel(s) {', '.join(unreached)} could not be reached or refused; "
            "undelivered notifications stay in the outbox for the next run",
            file=sys.stderr,
        )
    codes = {result.error_exit_code for result in failed}
    if EXIT_USAGE in codes:
        return EXIT_USAGE
    if codes or unreached:
        return EXIT_UNREACHABLE
    return EXIT_FIRING if any(result.firing for result in results) else EXIT_OK


def _run_report(args: argparse.Namespace) -> int:
    from monitor.config import load_config
    from monitor.reports.run import report_for_window

    config = load_config(args.config)
    if args.monitor not in config.monitors:
        raise ConfigError(f"-m: unknown monitor {args.monitor!r} (monitors: {', '.join(config.monitors)})")
    path = report_for_window(config, args.monitor, parse_at(args.at), args.output)
    print(path)
    return EXIT_OK


def _run_demo(args: argparse.Namespace) -> int:
    from monitor.demo import run_demo

    return run_demo(args.dir)


Handler = Callable[[argparse.Namespace], int]
HANDLERS: dict[str, Handler] = {
    "check": _run_check,
    "report": _run_report,
    "validate": _run_validate,
    "demo": _run_demo,
    "init": run_init,
    "alerts": run_alerts,
    "history": run_history,
    "run": run_daemon,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from monitor.logs import setup_logging

    setup_logging(args.log_level, args.log_format)
    try:
        return HANDLERS[args.command](args)
    except MonitorError as exc:
        print(f"monitor: error: {scrub(str(exc))}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_UNREACHABLE
    except KeyboardInterrupt:
        return 130
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
