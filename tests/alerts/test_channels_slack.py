"""Slack: Block Kit within Slack's documented limits, and Slack's answers, on a receiver like Slack's."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.alerts.channels import SlackChannel, make_channel
from monitor.config.models import ChannelConfig
from monitor.records.events import AlertEvent, DriftedColumn, Notification
from tests.alerts.events import T0, alert_event

HOOK_PATH = "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"

# Slack's Block Kit reference: which keys each object may have, and the limits
BLOCK_KEYS = {
    "header": {"type", "text", "block_id"},
    "section": {"type", "text", "fields", "accessory", "block_id", "expand"},
    "divider": {"type", "block_id"},
    "actions": {"type", "elements", "block_id"},
    "context": {"type", "elements", "block_id"},
}
TEXT_KEYS = {"plain_text": {"type", "text", "emoji"}, "mrkdwn": {"type", "text", "verbatim"}}
BUTTON_KEYS = {"type", "text", "action_id", "url", "value", "style", "confirm", "accessibility_label"}


def check_text(obj: Any, limit: int, kinds: tuple[str, ...] = ("plain_text", "mrkdwn")) -> None:
    assert isinstance(obj, dict) and obj.get("type") in kinds, obj
    assert set(obj) <= TEXT_KEYS[obj["type"]], obj
    assert isinstance(obj["text"], str) and 1 <= len(obj["text"]) <= limit, (len(obj["text"]), limit)


def validate_slack_message(payload: dict[str, Any]) -> None:
    """Raise AssertionError where Slack would answer invalid_blocks / invalid_payload."""
    assert isinstance(payload.get("text"), str) and payload["text"].strip(), "non-empty text fallback"
    assert len(payload["text"]) <= 40000
    blocks = payload["blocks"]
    assert isinstance(blocks, list) and 1 <= len(blocks) <= 50, len(blocks)
    action_ids: list[str] = []
    for block in blocks:
        kind = block["type"]
        assert kind in BLOCK_KEYS and set(block) <= BLOCK_KEYS[kind], block
        assert len(block.get("block_id", "")) <= 255
        if kind == "header":
            check_text(block["text"], 150, ("plain_text",))
        elif kind == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                check_text(block["text"], 3000)
            if "fields" in block:
                assert 1 <= len(block["fields"]) <= 10
                for field in block["fields"]:
                    check_text(field, 2000)
        elif kind == "actions":
            assert 1 <= len(block["elements"]) <= 25
            for button in block["elements"]:
                assert button["type"] == "button" and set(button) <= BUTTON_KEYS
                check_text(button["text"], 75, ("plain_text",))
                assert 1 <= len(button["url"]) <= 3000
                assert len(button["action_id"]) <= 255
                action_ids.append(button["action_id"])
        elif kind == "context":
            assert 1 <= len(block["elements"]) <= 10
    assert len(action_ids) == len(set(action_ids)), "action_id must be unique in a message"


def slack_like(request: Request) -> Response:
    """Answers as hooks.slack.com does: 200 'ok', or 400 with the reason."""
    try:
        payload = json.loads(request.get_data())
    except ValueError:
        return Response("invalid_payload", status=400)
    if not payload.get("text") and not payload.get("blocks"):
        return Response("no_text", status=400)
    try:
        validate_slack_message(payload)
    except AssertionError:
        return Response("invalid_blocks", status=400)
    return Response("ok", status=200)


def make_event(**changes: Any) -> AlertEvent:
    two_columns = (DriftedColumn("age", "psi", 0.31, 0.2), DriftedColumn("income", "ks", 0.001, 0.05))
    defaults: dict[str, Any] = {
        "report_url": "https://reports.example.com/churn/2026-03-01T12.html",
        "drifted_columns": two_columns,
    }
    return alert_event(**{**defaults, **changes})


def notification(*events: AlertEvent, test: bool = False) -> Notification:
    return Notification(delivery_id="d-1", channel="team-slack", monitor="churn", events=events, test=test)


def slack(url: str = "https://hooks.slack.com" + HOOK_PATH) -> SlackChannel:
    channel = make_channel("team-slack", ChannelConfig(type="slack", url=url))
    assert isinstance(channel, SlackChannel)
    return channel


def payload_of(note: Notification) -> dict[str, Any]:
    body, headers = slack().render(note)
    assert headers["Content-Type"].startswith("application/json")
    payload: dict[str, Any] = json.loads(body)
    validate_slack_message(payload)
    return payload


def all_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_message_shows_the_alert_facts_and_a_report_button() -> None:
    payload = payload_of(notification(make_event()))
    blocks = payload["blocks"]
    assert blocks[0]["type"] == "header" and "churn" in blocks[0]["text"]["text"]
    fields = " ".join(f["text"] for b in blocks if b["type"] == "section" for f in b.get("fields", []))
    for fact in ("*Monitor*\nchurn", "*Rule*\ndataset_drift", "0.62", "0.5", "*Window*"):
        assert fact in fields
    drift = next(b["text"]["text"] for b in blocks if "drifted columns" in b.get("text", {}).get("text", ""))
    assert "age: psi 0.31" in drift and "income: ks 0.001" in drift
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [b["url"] for b in buttons] == ["https://reports.example.com/churn/2026-03-01T12.html"]
    assert "churn" in payload["text"] and "FIRING" in payload["text"]


def test_no_button_without_report() -> None:
    payload = payload_of(notification(make_event(report_url=None)))
    assert not [b for b in payload["blocks"] if b["type"] == "actions"]


def test_resolved_event_says_so() -> None:
    payload = payload_of(notification(make_event(status="resolved", resolved_at=T0 + timedelta(hours=1))))
    assert "RESOLVED" in all_text(payload) and "*Resolved*" in all_text(payload)
    assert "resolved" in payload["blocks"][0]["text"]["text"]


def test_500_column_drift_fits_and_says_how_many_more() -> None:
    columns = tuple(
        DriftedColumn(f"feature_{i:03d}_" + "x" * 40, "wasserstein", 1 - i / 1000, 0.1) for i in range(500)
    )
    payload = payload_of(notification(make_event(drifted_columns=columns)))
    drift = next(
        b["text"]["text"] for b in payload["blocks"] if "drifted columns" in b.get("text", {}).get("text", "")
    )
    shown = drift.count("feature_")
    assert 1 <= shown < 500
    assert f"…and {500 - shown} more columns" in drift


def test_200_alerts_are_cut_to_50_blocks_with_the_rest_counted() -> None:
    events = [
        make_event(alert_id=f"churn:column_drift:c{i}", rule="column_drift", subject=f"c{i}")
        for i in range(200)
    ]
    payload = payload_of(notification(*events))
    assert len(payload["blocks"]) <= 50
    shown = sum(
        1
        for b in payload["blocks"]
        if b["type"] == "section" and "FIRING" in b.get("text", {}).get("text", "")
    )
    match = re.search(r"…and (\d+) more alerts", json.dumps(payload["blocks"], ensure_ascii=False))
    assert match and int(match.group(1)) == 200 - shown
    assert "200 alerts firing" in payload["blocks"][0]["text"]["text"]
    assert "…and" in payload["text"]  # the fallback is cut too


def test_huge_texts_are_cut_to_the_limits() -> None:
    event = make_event(
        monitor="m" * 5000,
        subject="s" * 5000,
        summary="<b>&" * 3000,
        report_url="https://reports.example.com/" + "r" * 4000,  # too long for a button: left out
        drifted_columns=(DriftedColumn("c" * 10000, "psi", 1.0, 0.1),),
    )
    payload = payload_of(Notification(delivery_id="d", channel="s", monitor="m" * 5000, events=(event,)))
    assert not [b for b in payload["blocks"] if b["type"] == "actions"]
    assert "<b>" not in all_text(payload)  # escaped for mrkdwn


def test_test_message_is_labelled() -> None:
    payload = payload_of(notification(test=True))
    assert "TEST" in payload["blocks"][0]["text"]["text"]
    assert payload["text"].startswith("[TEST]")
    assert "test message" in all_text(payload).lower()


def test_delivered_to_a_slack_like_receiver(httpserver: HTTPServer) -> None:
    httpserver.expect_request(HOOK_PATH, method="POST").respond_with_handler(slack_like)
    columns = tuple(DriftedColumn(f"col{i}", "psi", 0.5, 0.1) for i in range(500))
    events = [make_event(alert_id=f"a{i}", subject=f"c{i}", drifted_columns=columns) for i in range(200)]
    result = slack(httpserver.url_for(HOOK_PATH)).send(notification(*events))
    assert result.ok, result.answer
    assert result.status == 200


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (400, "invalid_payload"),
        (400, "no_text"),
        (403, "action_prohibited"),
        (404, "channel_not_found"),
        (410, "channel_is_archived"),
    ],
)
def test_slack_errors_are_permanent_with_their_reason(
    httpserver: HTTPServer, status: int, reason: str
) -> None:
    httpserver.expect_request(HOOK_PATH, method="POST").respond_with_data(reason, status=status)
    result = slack(httpserver.url_for(HOOK_PATH)).send(notification(make_event()))
    assert (result.ok, result.retry, result.status) == (False, False, status)
    assert reason in result.answer
    assert "XXXXXXXX" not in result.answer


def test_slack_rate_limit_honours_retry_after(httpserver: HTTPServer) -> None:
    httpserver.expect_request(HOOK_PATH, method="POST").respond_with_data(
        "rate_limited", status=429, headers={"Retry-After": "30"}
    )
    result = slack(httpserver.url_for(HOOK_PATH)).send(notification(make_event()))
    assert (result.ok, result.retry, result.retry_after) == (False, True, 30.0)


def test_200_without_ok_is_not_success(httpserver: HTTPServer) -> None:
    httpserver.expect_request(HOOK_PATH, method="POST").respond_with_data(
        "<html>proxy login</html>", status=200
    )
    result = slack(httpserver.url_for(HOOK_PATH)).send(notification(make_event()))
    assert not result.ok and not result.retry
    assert "ok" in result.answer
