"""``channels:``: where alerts are delivered and how failed deliveries are retried
(docs/reference.md, "Config" and "Alerts: lifecycle and window time").
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, model_validator

from monitor.config.base import Model
from monitor.config.durations import Duration

ChannelType = Literal["slack", "webhook", "alertmanager", "pagerduty", "msteams"]


class RetryConfig(Model):
    initial: Duration = timedelta(seconds=1)
    max: Duration = timedelta(minutes=5)
    max_age: Duration = timedelta(hours=24)


class ChannelConfig(Model):
    type: ChannelType
    url: str | None = None
    secret: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    routing_key: str | None = None
    timeout: Duration = timedelta(seconds=10)
    retry: RetryConfig = RetryConfig()

    @model_validator(mode="after")
    def _needs(self) -> ChannelConfig:
        if self.type == "pagerduty":
            if not self.routing_key:
                raise ValueError("a pagerduty channel needs routing_key")
        elif not self.url:
            raise ValueError(f"a {self.type} channel needs url")
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return self

    def secrets(self) -> list[str]:
        """What must never be logged: Slack's and Teams' URL is itself the secret."""
        values = [self.secret, self.routing_key, *self.headers.values()]
        if self.type in ("slack", "msteams", "webhook") or (self.url and "@" in self.url):
            values.append(self.url)
        return [v for v in values if v]
