"""Notification channels: one module per ``type``, registered in ``CHANNELS``.

Adding a channel type is one module with a ``Channel`` subclass and one line here.
"""

from __future__ import annotations

import requests

from monitor.alerts.channels.alertmanager import AlertmanagerChannel
from monitor.alerts.channels.base import Channel
from monitor.alerts.channels.msteams import TeamsChannel
from monitor.alerts.channels.pagerduty import PagerDutyChannel
from monitor.alerts.channels.slack import SlackChannel
from monitor.alerts.channels.webhook import WebhookChannel
from monitor.config.models import ChannelConfig
from monitor.errors import ConfigError

CHANNELS: dict[str, type[Channel]] = {
    "slack": SlackChannel,
    "webhook": WebhookChannel,
    "alertmanager": AlertmanagerChannel,
    "pagerduty": PagerDutyChannel,
    "msteams": TeamsChannel,
}


def make_channel(name: str, config: ChannelConfig, session: requests.Session | None = None) -> Channel:
    """The channel for ``channels.<name>`` of the config."""
    try:
        channel_class = CHANNELS[config.type]
    except KeyError:
        known = ", ".join(CHANNELS)
        raise ConfigError(
            f"unknown channel type {config.type!r} (known: {known})", key=f"channels.{name}"
        ) from None
    return channel_class(name, config, session)


__all__ = [
    "CHANNELS",
    "AlertmanagerChannel",
    "Channel",
    "PagerDutyChannel",
    "SlackChannel",
    "TeamsChannel",
    "WebhookChannel",
    "make_channel",
]
