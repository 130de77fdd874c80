"""`monitor alerts list / silence / unsilence / test` (docs/reference.md, "Alerts")."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, get_args

from monitor.cli.exits import EXIT_FIRING, EXIT_OK
from monitor.config import load_config, parse_duration
from monitor.config.models import RuleName
from monitor.errors import ConfigError, DeliveryError

if TYPE_CHECKING:  # rich loads only for the commands that print tables, not for `monitor check`
    from rich.console import Console


def add_alerts_parser(commands: argparse._SubParsersAction[Any]) -> None:
    alerts = commands.add_parser("alerts", help="alert states, silences and channel tests")
    actions = alerts.add_subparsers(dest="alerts_command", required=True, parser_class=type(alerts))

    listing = actions.add_parser("list", help="firing, pending and silenced alerts")
    listing.add_argument("-c", "--config", required=True)
    listing.add_argument("--all", action="store_true", help="also inactive and resolved alerts")

    silence = actions.add_parser("silence", help="mute a monitor, a rule or one alert for a while")
    silence.add_argument("-c", "--config", required=True)
    silence.add_argument("monitor")
    silence.add_argument("rule", nargs="?")
    silence.add_argument("subject", nargs="?")
    silence.add_argument("--for", dest="duration", required=True, help="e.g. 2h")
    silence.add_argument("--comment", default="")

    unsilence = actions.add_parser("unsilence", help="remove a silence")
    unsilence.add_argument("-c", "--config", required=True)
    unsilence.add_argument("silence_id")

    test = actions.add_parser("test", help="send a labelled test notification to one channel")
    test.add_argument("-c", "--config", required=True)
    test.add_argument("channel")


def run_alerts(args: argparse.Namespace) -> int:
    handlers = {"list": _list, "silence": _silence, "unsilence": _unsilence, "test": _test}
    return handlers[args.alerts_command](args)


def _since(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "—"
    minutes = int((now - moment).total_seconds() // 60)
    span = abs(minutes)
    amount = f"{span // 1440}d" if span >= 1440 else f"{span // 60}h{span % 60:02d}m"
    # a window ending in the future (--at ahead of the clock) is "in", not "ago"
    relative = f"{amount} ago" if minutes >= 0 else f"in {amount}"
    return f"{moment:%Y-%m-%d %H:%M} UTC ({relative})"


def _console() -> Console:
    """Rich cuts tables to 80 columns when writing to a pipe: scripts and logs get full lines."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=250)


def _list(args: argparse.Namespace) -> int:
    from rich.table import Table

    from monitor.store import open_store

    config = load_config(args.config)
    store = open_store(config.store)
    now = datetime.now(timezone.utc)
    silences = store.silences(now)
    table = Table(show_edge=False)
    for name in ("monitor", "rule", "subject", "status", "since", "value", "silenced by"):
        table.add_column(name, overflow="fold")
    firing = False
    for state in sorted(store.alert_states().values(), key=lambda s: (s.monitor, s.rule, s.subject)):
        muted = [s.silence_id for s in silences if s.matches(state.monitor, state.rule, state.subject, now)]
        if state.status in ("inactive", "resolved") and not args.all:
            continue
        firing = firing or state.status == "firing"
        value = "—" if state.value is None else f"{state.value:.4g}"
        table.add_row(
            state.monitor,
            state.rule,
            state.subject,
            state.status,
            _since(state.since, now),
            value,
            ", ".join(muted),
        )
    console = _console()
    console.print(table if table.row_count else "no firing or pending alerts")
    for silence in silences:
        scope = " ".join(part for part in (silence.monitor, silence.rule, silence.subject) if part)
        console.print(
            f"silence {silence.silence_id}: {scope} "
            f"until {silence.ends_at:%Y-%m-%d %H:%M} UTC  {silence.comment}",
            highlight=False,
        )
    return EXIT_FIRING if firing else EXIT_OK


def _silence(args: argparse.Namespace) -> int:
    from monitor.store import Silence, new_id, open_store

    config = load_config(args.config)
    if args.monitor not in config.monitors:
        raise ConfigError(f"unknown monitor {args.monitor!r} (monitors: {', '.join(config.monitors)})")
    rules = get_args(RuleName)
    if args.rule is not None and args.rule not in rules:
        # A misspelt rule would make a silence that matches nothing while the user thinks it works.
        raise ConfigError(f"unknown rule {args.rule!r} (rules: {', '.join(rules)})")
    try:
        duration = parse_duration(args.duration)
    except ValueError as exc:
        raise ConfigError(f"--for: {exc}") from None
    now = datetime.now(timezone.utc)
    silence = Silence(new_id(), args.monitor, args.rule, args.subject, now, now + duration, args.comment, now)
    open_store(config.store).add_silence(silence)
    print(silence.silence_id)
    return 0


def _unsilence(args: argparse.Namespace) -> int:
    from monitor.store import open_store

    config = load_config(args.config)
    if not open_store(config.store).remove_silence(args.silence_id):
        raise ConfigError(f"no silence with id {args.silence_id}")
    print(f"removed silence {args.silence_id}")
    return 0


def _test(args: argparse.Namespace) -> int:
    from monitor.alerts.channels import make_channel
    from monitor.alerts.testing import test_notification

    config = load_config(args.config)
    if args.channel not in config.channels:
        known = ", ".join(config.channels) or "none defined"
        raise ConfigError(f"unknown channel {args.channel!r} (channels: {known})")
    channel = make_channel(args.channel, config.channels[args.channel])
    result = channel.send(test_notification(args.channel))
    if not result.ok:
        raise DeliveryError(f"channel {args.channel}: {result.status or 'no answer'} {result.answer}".strip())
    print(f"channel {args.channel}: {result.status} {result.answer}".strip())
    return 0
