"""The ``monitor`` command line (contract §1). Exit codes are decided here and only here."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from monitor import __version__
from monitor.errors import ConfigError, MonitorError
from monitor.secrets import scrub

log = logging.getLogger("monitor")

EXIT_OK, EXIT_FIRING, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors, as the contract wants; keep its message one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"monitor: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="monitor", description="Watch ML models in production: drift, performance, alerts.")
    parser.add_argument("--version", action="version", version=f"monitor {__version__}")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--log-format", default="text", choices=["text", "json"])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    validate = commands.add_parser("validate", help="check a config file")
    validate.add_argument("-c", "--config", required=True)
    validate.add_argument("--connect", action="store_true", help="also read the sources")
    return parser


def _run_validate(args: argparse.Namespace) -> int:
    from monitor.config import load_config

    config = load_config(args.config)
    print(f"{args.config}: OK ({len(config.monitors)} monitor(s), {len(config.channels)} channel(s))")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    handlers = {"validate": _run_validate}
    try:
        return handlers[args.command](args)
    except MonitorError as exc:
        print(f"monitor: error: {scrub(str(exc))}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_UNREACHABLE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
