"""PagerDuty Events v2 and Teams Adaptive Cards as their services expect them, over real HTTP."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from monitor.records.events import DriftedColumn
from tests.alerts.test_channels_http import ROUTING_KEY, answer_with, channel_for, make_event, notification

PD_ACCEPTED = '{"status":"success","message":"Event processed","dedup_key":"abc"}'
PD_INVALID = (
    '{"status":"invalid event","message":"Event object is invalid",'
    '"errors":["\'payload.summary\' is missing or blank"]}'
)


def sent_json(server: HTTPServer) -> Any:
    [(request, _)] = server.log
    return json.loads(request.get_data())


def test_pagerduty_trigger_has_the_events_v2_fields(httpserver: HTTPServer) -> None:
    answer_with(httpserver, 202, PD_ACCEPTED)
    event = make_event(alert_id="x" * 400, summary="s" * 5000, severity="critical")
    result = channel_for("pagerduty", httpserver).send(notification(event))
    assert result.ok and result.status == 202
    body = sent_json(httpserver)
    assert body["routing_key"] == ROUTING_KEY and body["event_action"] == "trigger"
    assert 0 < len(body["dedup_key"]) <= 255
    payload = body["payload"]
    assert len(payload["summary"]) <= 1024 and payload["summary"].endswith("…")
    assert payload["severity"] == "critical" and payload["source"]
    assert payload["custom_details"]["value"] == 0.62 and payload["custom_details"]["threshold"] == 0.5
    assert "age" in payload["custom_details"]["drifted_columns"]
    assert body["links"][0]["href"] == event.report_url


def test_pagerduty_resolve_uses_the_same_dedup_key(httpserver: HTTPServer) -> None:
    answer_with(httpserver, 202, PD_ACCEPTED)
    channel = channel_for("pagerduty", httpserver)
    channel.send(notification(make_event()))
    channel.send(notification(make_event(status="resolved")))
    trigger, resolve = (json.loads(request.get_data()) for request, _ in httpserver.log)
    assert resolve["event_action"] == "resolve" and resolve["dedup_key"] == trigger["dedup_key"]


def test_pagerduty_body_stays_under_512_kb_with_a_huge_drift_table(httpserver: HTTPServer) -> None:
    answer_with(httpserver, 202, PD_ACCEPTED)
    columns = tuple(DriftedColumn(f"column_{i}_" + "w" * 300, "psi", 0.5, 0.1) for i in range(3000))
    channel_for("pagerduty", httpserver).send(notification(make_event(drifted_columns=columns)))
    [(request, _)] = httpserver.log
    assert len(request.get_data()) < 512 * 1024


@pytest.mark.parametrize(
    ("status", "body", "retry"), [(400, PD_INVALID, False), (429, "", True), (500, "", True)]
)
def test_pagerduty_answers(httpserver: HTTPServer, status: int, body: str, retry: bool) -> None:
    answer_with(httpserver, status, body)
    result = channel_for("pagerduty", httpserver).send(notification(make_event()))
    assert not result.ok and result.retry is retry
    if status == 400:
        assert "payload.summary" in result.answer and "invalid event" in result.answer


def test_teams_card_stays_under_28_kb_and_counts_the_rest(httpserver: HTTPServer) -> None:
    answer_with(httpserver, 202, "")
    base = make_event(summary="drifted " * 300)
    events = [replace(base, alert_id=f"a{i}", subject=f"column_{i}") for i in range(200)]
    result = channel_for("msteams", httpserver).send(notification(*events))
    assert result.ok
    [(request, _)] = httpserver.log
    raw = request.get_data()
    assert len(raw) <= 28 * 1024
    message = json.loads(raw)
    [attachment] = message["attachments"]
    assert message["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert "…and" in json.dumps(card, ensure_ascii=False) and "more alerts" in json.dumps(card)
    assert card["actions"][0]["type"] == "Action.OpenUrl"
