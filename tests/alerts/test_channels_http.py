"""Every channel over real HTTP on 127.0.0.1: status codes, dead and hanging receivers, secrets."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from monitor.alerts.channels import CHANNELS, Channel, make_channel
from monitor.config.models import ChannelConfig
from monitor.records.events import AlertEvent, Notification
from tests.alerts.events import alert_event

SLACK_PATH = "/services/T0SECRET1/B0SECRET2/xoxSecretToken123456"
ROUTING_KEY = "R0UT1NGKEYsecret0123456789abcdef"
SIGNING_SECRET = "plain-signing-secret-4321"


def make_event(**changes: Any) -> AlertEvent:
    return alert_event(**changes)


def notification(*events: AlertEvent, test: bool = False) -> Notification:
    return Notification(delivery_id="dlv-0001", channel="ch", monitor="churn", events=events, test=test)


def config_for(kind: str, url: str, **extra: Any) -> ChannelConfig:
    if kind == "pagerduty":
        return ChannelConfig(type="pagerduty", url=url, routing_key=ROUTING_KEY, **extra)
    if kind == "webhook":
        return ChannelConfig(type="webhook", url=url, secret=SIGNING_SECRET, **extra)
    return ChannelConfig(type=kind, url=url, **extra)  # type: ignore[arg-type]


def channel_for(kind: str, server: HTTPServer, **extra: Any) -> Channel:
    path = SLACK_PATH if kind in ("slack", "msteams") else "/hook"
    return make_channel(f"my-{kind}", config_for(kind, server.url_for(path), **extra))


def answer_with(
    server: HTTPServer, status: int, body: str = "", headers: dict[str, str] | None = None
) -> None:
    server.expect_request("", method="POST").respond_with_data(body, status=status, headers=headers)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def hanging_receiver() -> Iterator[str]:
    """Accepts connections (the kernel does) but never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}{SLACK_PATH}"


@pytest.mark.parametrize(
    ("status", "ok", "retry"),
    [
        (200, True, False),
        (202, True, False),
        (400, False, False),
        (401, False, False),
        (403, False, False),
        (404, False, False),
        (408, False, True),
        (410, False, False),
        (429, False, True),
        (500, False, True),
        (502, False, True),
        (503, False, True),
        (504, False, True),
    ],
)
def test_status_codes_over_http(httpserver: HTTPServer, status: int, ok: bool, retry: bool) -> None:
    answer_with(httpserver, status, "receiver says hello")
    result = channel_for("webhook", httpserver).send(notification(make_event()))
    assert (result.ok, result.retry, result.status) == (ok, retry, status)
    assert str(status) in result.answer
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("kind", sorted(CHANNELS))
@pytest.mark.parametrize(("status", "retry"), [(400, False), (403, False), (429, True), (503, True)])
def test_every_channel_type_retries_the_same_statuses(
    httpserver: HTTPServer, kind: str, status: int, retry: bool
) -> None:
    answer_with(httpserver, status, "nope")
    result = channel_for(kind, httpserver).send(notification(make_event()))
    assert not result.ok
    assert result.retry is retry


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        ("slack", 200, "ok"),
        ("webhook", 200, ""),
        ("webhook", 204, ""),
        ("alertmanager", 200, ""),
        ("pagerduty", 202, '{"status":"success","message":"Event processed","dedup_key":"x"}'),
        ("msteams", 200, ""),
        ("msteams", 202, ""),
    ],
)
def test_every_channel_type_succeeds(httpserver: HTTPServer, kind: str, status: int, body: str) -> None:
    answer_with(httpserver, status, body)
    result = channel_for(kind, httpserver).send(notification(make_event()))
    assert result.ok and not result.retry and result.status == status


def test_redirect_is_not_followed_and_not_retried(httpserver: HTTPServer) -> None:
    answer_with(httpserver, 302, "", {"Location": "http://127.0.0.1:1/elsewhere"})
    result = channel_for("webhook", httpserver).send(notification(make_event()))
    assert (result.ok, result.retry, result.status) == (False, False, 302)


def test_connection_refused_is_retried() -> None:
    url = f"http://127.0.0.1:{free_port()}{SLACK_PATH}"
    channel = make_channel("team-slack", ChannelConfig(type="slack", url=url))
    result = channel.send(notification(make_event()))
    assert (result.ok, result.retry, result.status) == (False, True, None)
    assert "refused" in result.answer
    assert "xoxSecretToken" not in result.answer


def test_hanging_receiver_times_out_and_is_retried(hanging_receiver: str) -> None:
    config = ChannelConfig(type="slack", url=hanging_receiver, timeout=timedelta(seconds=0.3))
    started = time.monotonic()
    result = make_channel("team-slack", config).send(notification(make_event()))
    assert time.monotonic() - started < 5
    assert (result.ok, result.retry, result.status) == (False, True, None)
    assert "timeout" in result.answer
    assert "xoxSecretToken" not in result.answer


def test_retry_after_seconds_over_http(httpserver: HTTPServer) -> None:
    answer_with(httpserver, 429, "rate_limited", {"Retry-After": "17"})
    result = channel_for("slack", httpserver).send(notification(make_event()))
    assert result.retry and result.retry_after == 17.0


def test_retry_after_http_date_over_http(httpserver: HTTPServer) -> None:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    answer_with(
        httpserver, 503, "busy", {"Retry-After": format_datetime(now + timedelta(seconds=120), usegmt=True)}
    )
    result = channel_for("pagerduty", httpserver).send(notification(make_event()), now=now)
    assert result.retry and result.retry_after == pytest.approx(120.0)


def test_configured_timeout_is_used(hanging_receiver: str) -> None:
    config = ChannelConfig(type="slack", url=hanging_receiver, timeout=timedelta(seconds=0.5))
    started = time.monotonic()
    make_channel("team-slack", config).send(notification(make_event()))
    assert 0.4 <= time.monotonic() - started < 3


@pytest.mark.parametrize("kind", sorted(CHANNELS))
def test_no_secret_in_answer_describe_or_logs(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    caplog.set_level(logging.DEBUG)
    # a receiver that echoes what it got, secrets included, in an error
    httpserver.expect_request("", method="POST").respond_with_handler(
        lambda request: _echo(request, status=400)
    )
    channel = channel_for(kind, httpserver, headers={"Authorization": "Bearer hdr-secret-987654"})
    result = channel.send(notification(make_event()))
    refused = make_channel(
        f"my-{kind}", config_for(kind, f"http://127.0.0.1:{free_port()}{SLACK_PATH}")
    ).send(notification(make_event()))
    # werkzeug's records are the test receiver's own access log, not ours
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug")]
    assert any("dlv-0001" in text for text in ours), "expected a debug record of the delivery"
    texts = [result.answer, refused.answer, channel.describe, *ours]
    for secret in (
        "xoxSecretToken123456",
        "T0SECRET1/B0SECRET2",
        ROUTING_KEY,
        SIGNING_SECRET,
        "hdr-secret-987654",
    ):
        for text in texts:
            assert secret not in text, (secret, text)
    assert channel.describe.startswith(f"{kind} my-{kind} (http://127.0.0.1:")


def _echo(request: Any, status: int) -> Any:
    from werkzeug import Response

    echoed = f"bad request to {request.full_path}: {request.get_data(as_text=True)} {dict(request.headers)}"
    return Response(echoed, status=status)


def test_describe_masks_the_slack_url() -> None:
    channel = make_channel(
        "team-slack", ChannelConfig(type="slack", url="https://hooks.slack.com/services/T0/B0/abcdefgh")
    )
    assert channel.describe == "slack team-slack (https://hooks.slack.com/***)"


def test_registry_builds_each_type() -> None:
    for kind, channel_class in CHANNELS.items():
        channel = make_channel("c", config_for(kind, "https://example.com/x"))
        assert isinstance(channel, channel_class)
        assert channel.type == kind
    assert {k for k, c in CHANNELS.items() if c.groups} == {"slack", "msteams", "alertmanager"}
