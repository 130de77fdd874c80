"""``monitor run -c CONFIG``: the daemon, until SIGTERM/SIGINT (docs/reference.md, "Daemon")."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from typing import Any

log = logging.getLogger(__name__)


def add_run_parser(commands: Any) -> None:
    """``commands`` is main's subparsers action. Logging flags may follow ``run`` as well as precede it."""
    run = commands.add_parser("run", help="the daemon: every monitor on its schedule until SIGTERM/SIGINT")
    run.add_argument("-c", "--config", required=True)
    # --log-level/--log-format after `run`: every subcommand parser gets them (monitor.cli.main._Parser)


def run_daemon(args: argparse.Namespace) -> int:
    from monitor.config import load_config
    from monitor.daemon import Daemon

    config = load_config(args.config)
    code = Daemon(config, args.config).run()
    _exit_now_if_threads_linger(code)
    return code


def _exit_now_if_threads_linger(code: int) -> None:
    """A run stuck in a source read, or a notification in flight, must not hold the exit past the
    stop budget: their work is either committed or rolled back (one transaction), and the outbox
    keeps what was not delivered."""
    lingering = [t.name for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive()]
    if not lingering:
        return
    log.info("exiting without waiting for %s", ", ".join(sorted(lingering)))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
