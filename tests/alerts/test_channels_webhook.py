"""Generic webhook: the contract's body, Standard Webhooks headers, verified as a receiver would."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook, WebhookVerificationError

from monitor.alerts.channels import WebhookChannel, make_channel
from monitor.config.models import ChannelConfig
from monitor.errors import ConfigError
from monitor.records.events import AlertEvent, Notification
from tests.alerts.events import T0, alert_event

WHSEC = "whsec_" + base64.b64encode(b"sixteen-byte-key-and-some-more!!").decode()
CONTRACT_KEYS = {
    "version",
    "status",
    "alert_id",
    "monitor",
    "rule",
    "subject",
    "summary",
    "value",
    "threshold",
    "started_at",
    "resolved_at",
    "window",
    "report_url",
}


def make_event(**changes: Any) -> AlertEvent:
    column_drift: dict[str, Any] = {
        "alert_id": "churn:column_drift:age",
        "rule": "column_drift",
        "subject": "age",
        "severity": "critical",
        "summary": "age drifted: psi 0.31 > 0.2 — «ünïcode»",
        "value": 0.31,
        "threshold": 0.2,
        "drifted_columns": (),
    }
    return alert_event(**{**column_drift, **changes})


def notification(
    *events: AlertEvent, test: bool = False, delivery_id: str = "msg_2Kq9example"
) -> Notification:
    return Notification(delivery_id=delivery_id, channel="hook", monitor="churn", events=events, test=test)


def webhook(server: HTTPServer, secret: str | None = None, **extra: Any) -> WebhookChannel:
    server.expect_request("/hook", method="POST").respond_with_data("", status=204)
    channel = make_channel(
        "hook", ChannelConfig(type="webhook", url=server.url_for("/hook"), secret=secret, **extra)
    )
    assert isinstance(channel, WebhookChannel)
    return channel


def received(server: HTTPServer) -> tuple[bytes, dict[str, str]]:
    assert len(server.log) == 1
    request, _ = server.log[0]
    return request.get_data(), dict(request.headers)


def test_whsec_signature_verifies_with_standardwebhooks(httpserver: HTTPServer) -> None:
    result = webhook(httpserver, WHSEC).send(notification(make_event()))
    assert result.ok
    body, headers = received(httpserver)
    payload = Webhook(WHSEC).verify(body, headers)
    assert payload["alert_id"] == "churn:column_drift:age"


def test_tampered_body_fails_verification(httpserver: HTTPServer) -> None:
    webhook(httpserver, WHSEC).send(notification(make_event()))
    body, headers = received(httpserver)
    with pytest.raises(WebhookVerificationError):
        Webhook(WHSEC).verify(body.replace(b"0.31", b"0.01"), headers)


def test_plain_string_secret_is_keyed_with_its_utf8_bytes(httpserver: HTTPServer) -> None:
    secret = "mÿ-plain-secret"
    webhook(httpserver, secret).send(notification(make_event()))
    body, headers = received(httpserver)
    signed = f"{headers['Webhook-Id']}.{headers['Webhook-Timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).digest()).decode()
    assert headers["Webhook-Signature"] == f"v1,{expected}"
    # the library takes raw key bytes too: the same check as a receiver holding the bytes
    Webhook(secret.encode("utf-8")).verify(body, headers)


def test_headers_follow_standard_webhooks(httpserver: HTTPServer) -> None:
    before = int(datetime.now(timezone.utc).timestamp())
    webhook(httpserver, WHSEC).send(notification(make_event(), delivery_id="msg_stable_42"))
    after = int(datetime.now(timezone.utc).timestamp())
    _, headers = received(httpserver)
    assert headers["Webhook-Id"] == "msg_stable_42"
    assert before <= int(headers["Webhook-Timestamp"]) <= after
    assert headers["Content-Type"].startswith("application/json")


def test_timestamp_is_that_of_the_attempt_and_id_stays(httpserver: HTTPServer) -> None:
    channel = webhook(httpserver, WHSEC)
    first = datetime(2026, 3, 1, 12, 0, 5, tzinfo=timezone.utc)
    channel.send(notification(make_event()), now=first)
    channel.send(notification(make_event()), now=first + timedelta(seconds=30))
    sent = [dict(request.headers) for request, _ in httpserver.log]
    assert [h["Webhook-Timestamp"] for h in sent] == [
        str(int(first.timestamp())),
        str(int(first.timestamp()) + 30),
    ]
    assert sent[0]["Webhook-Id"] == sent[1]["Webhook-Id"]
    assert sent[0]["Webhook-Signature"] != sent[1]["Webhook-Signature"]


def test_no_signature_without_secret(httpserver: HTTPServer) -> None:
    webhook(httpserver).send(notification(make_event()))
    _, headers = received(httpserver)
    assert "Webhook-Signature" not in headers
    assert headers["Webhook-Id"] == "msg_2Kq9example"


def test_body_has_exactly_the_contract_keys(httpserver: HTTPServer) -> None:
    event = make_event(status="resolved", resolved_at=T0 + timedelta(hours=2))
    webhook(httpserver, WHSEC).send(notification(event))
    body, _ = received(httpserver)
    payload = json.loads(body.decode("utf-8"))
    assert set(payload) == CONTRACT_KEYS
    assert set(payload["window"]) == {"start", "end"}
    assert payload["version"] == "1"
    assert (payload["status"], payload["monitor"], payload["rule"], payload["subject"]) == (
        "resolved",
        "churn",
        "column_drift",
        "age",
    )
    assert payload["summary"] == event.summary
    assert (payload["value"], payload["threshold"]) == (0.31, 0.2)
    assert datetime.fromisoformat(payload["started_at"].replace("Z", "+00:00")) == event.started_at
    assert datetime.fromisoformat(payload["resolved_at"].replace("Z", "+00:00")) == event.resolved_at
    assert datetime.fromisoformat(payload["window"]["start"].replace("Z", "+00:00")) == event.window_start
    assert datetime.fromisoformat(payload["window"]["end"].replace("Z", "+00:00")) == event.window_end
    assert payload["report_url"] == event.report_url
    assert "«ünïcode»".encode() in body  # UTF-8, not \\u escapes


def test_firing_body_has_null_resolved_at_and_nan_becomes_null(httpserver: HTTPServer) -> None:
    webhook(httpserver).send(notification(make_event(value=math.nan, report_url=None)))
    payload = json.loads(received(httpserver)[0])
    assert payload["resolved_at"] is None and payload["value"] is None and payload["report_url"] is None


def test_extra_headers_are_sent_but_cannot_replace_the_signature(httpserver: HTTPServer) -> None:
    extra = {"Authorization": "Bearer abc", "webhook-id": "forged"}
    webhook(httpserver, WHSEC, headers=extra).send(notification(make_event()))
    body, headers = received(httpserver)
    assert headers["Authorization"] == "Bearer abc"
    assert headers["Webhook-Id"] == "msg_2Kq9example"
    Webhook(WHSEC).verify(body, headers)


def test_test_message_is_firing_with_rule_test(httpserver: HTTPServer) -> None:
    webhook(httpserver, WHSEC).send(notification(test=True))
    body, headers = received(httpserver)
    payload = Webhook(WHSEC).verify(body, headers)
    assert set(payload) == CONTRACT_KEYS
    assert (payload["status"], payload["rule"], payload["monitor"]) == ("firing", "test", "churn")
    assert "test" in payload["summary"].lower()


def test_one_event_per_notification() -> None:
    channel = make_channel("hook", ChannelConfig(type="webhook", url="https://example.com/hook"))
    with pytest.raises(ValueError, match="one event"):
        channel.render(notification(make_event(), make_event(subject="income")))
    with pytest.raises(ValueError, match="one event"):
        channel.render(notification())


def test_malformed_whsec_secret_is_a_config_error_without_the_secret() -> None:
    with pytest.raises(ConfigError) as error:
        make_channel(
            "hook", ChannelConfig(type="webhook", url="https://example.com/h", secret="whsec_not*base64!")
        )
    assert "not*base64" not in str(error.value)
    assert "channels.hook.secret" in str(error.value)
