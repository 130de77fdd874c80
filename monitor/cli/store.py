"""`monitor store prune -c CONFIG`: forget the history older than ``retention`` now.

The daemon does the same once a day (docs/reference.md, "Retention").
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import Any


def add_store_parser(commands: Any) -> None:
    """Register ``store`` (and its ``prune``) on the ``monitor`` subcommands."""
    store = commands.add_parser("store", help="maintenance of the state store")
    actions = store.add_subparsers(dest="store_command", required=True, parser_class=type(store))
    prune = actions.add_parser(
        "prune",
        help=(
            "delete runs, metric values, alert changes, finished notifications and cached items "
            "older than `retention`"
        ),
    )
    prune.add_argument("-c", "--config", required=True)


def run_store(args: argparse.Namespace) -> int:
    from monitor.config import load_config
    from monitor.store import open_store

    config = load_config(args.config)
    store = open_store(config.store)
    try:
        pruned = store.prune_history(datetime.now(timezone.utc) - config.retention)
    finally:
        store.close()
    print(f"{store.masked_url}: pruned {pruned.describe()}")
    return 0
