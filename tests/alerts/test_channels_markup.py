"""Data in a Slack or Teams message is shown as itself: names and summaries sent to a real HTTP
receiver never add formatting, links, list items, quotes or mentions (issue 18)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from monitor.records.events import AlertEvent, DriftedColumn, Notification
from tests.alerts.test_channels_http import answer_with, channel_for, make_event

HOSTILE = (
    "*boss* _it_ ~gone~ `code` <!here> <@U024BE7LH> @channel [click](http://evil.example)\n- item\n1. first"
)
MONITOR = "**loud** <!channel> [x](https://evil.example)"


def hostile_notification() -> Notification:
    event = make_event(
        monitor=MONITOR,
        rule="column_drift",
        subject=HOSTILE,
        summary=f"column {HOSTILE} drifted",
        drifted_columns=(
            DriftedColumn(HOSTILE, "psi", 0.31, 0.2),
            DriftedColumn("account_age_days", "psi", 0.3, 0.2),
        ),
    )
    return Notification(delivery_id="d-1", channel="ch", monitor=MONITOR, events=(event,))


def sent(kind: str, server: HTTPServer, note: Notification) -> Any:
    answer_with(server, 200 if kind == "slack" else 202, "ok" if kind == "slack" else "")
    assert channel_for(kind, server).send(note).ok
    [(request, _)] = server.log
    return json.loads(request.get_data())


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_slack_mrkdwn_shows_data_as_text(httpserver: HTTPServer) -> None:
    payload = sent("slack", httpserver, hostile_notification())
    texts = [node for node in walk(payload) if node.get("type") == "mrkdwn"]
    assert texts
    for node in texts:
        assert node.get("verbatim") is True  # Slack links no channel, user or URL by itself
        text = node["text"]
        assert not re.search(r"<[!@#]", text), text  # no <!here>, <@user>, <#channel>
        assert "@channel" not in text and "*boss*" not in text and "_it_" not in text and "~gone~" not in text
        assert "`code`" not in text and "http://" not in text and "https://" not in text
        assert "\n- item" not in text and "\n&gt;" not in text
    everything = json.dumps(payload, ensure_ascii=False)
    assert "account_age_days" in everything  # an ordinary name is left alone
    fallback = payload["text"]
    assert "<!here>" not in fallback and "@channel" not in fallback and "*boss*" not in fallback
    assert fallback.count("\n") == 1  # the title and one line for the one alert


def test_teams_card_shows_data_as_text(httpserver: HTTPServer) -> None:
    payload = sent("msteams", httpserver, hostile_notification())
    texts = [node["text"] for node in walk(payload) if node.get("type") == "TextBlock"]
    texts += [node["value"] for node in walk(payload) if "title" in node and "value" in node]
    assert texts
    for text in texts:
        assert "**loud**" not in text and "*boss*" not in text and "_it_" not in text
        assert "](" not in text and "http://evil" not in text and "https://evil" not in text
        assert "<!here>" not in text and "@channel" not in text
        data_lines = [line for line in text.split("\n") if "boss" in line]
        for line in data_lines:  # data never starts a line (a list item) of its own
            assert not re.match(r"\s*(?:[-+*]|\d+\.)\s", line) or line.startswith("- ∗boss∗"), line
    everything = json.dumps(payload, ensure_ascii=False)
    assert "account_age_days" in everything


@pytest.mark.parametrize("kind", ["slack", "msteams"])
def test_a_plain_name_is_unchanged(httpserver: HTTPServer, kind: str) -> None:
    event: AlertEvent = make_event(monitor="fraud-scorer", subject="merchant_category")
    payload = sent(kind, httpserver, Notification("d-2", "ch", "fraud-scorer", (event,)))
    everything = json.dumps(payload, ensure_ascii=False)
    assert "fraud-scorer" in everything and "merchant_category" in everything
