"""Microsoft Teams through a Workflows webhook: one Adaptive Card (1.4) per monitor and run.

Teams drops messages over about 28 KB, so alerts are added to the card while it
stays under ``MAX_BODY`` bytes and the rest are summed up as "…and N more".
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from monitor.alerts.channels.base import JSON_HEADERS, Channel
from monitor.alerts.channels.markup import teams_data
from monitor.alerts.channels.text import (
    TEST_SUMMARY,
    alert_label,
    and_more,
    clip,
    drift_lines,
    event_facts,
    fit_lines,
    report_urls,
    segments_line,
    title,
)
from monitor.records.events import AlertEvent, Notification

MAX_BODY = 27 * 1024  # Teams' limit is 28 KB; keep room for what the Workflow adds
MAX_TEXT = 2000  # a summary longer than this is cut: the report has the rest
MAX_FACT = 500
MAX_DRIFT_LINES = 10
MAX_ACTIONS = 5
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
STATUS_MARK = {"firing": "🔴", "resolved": "✅"}
STATUS_COLOR = {"firing": "Attention", "resolved": "Good"}


def text_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def event_container(event: AlertEvent) -> dict[str, Any]:
    facts = event_facts(event)
    label = teams_data(alert_label(event))
    items: list[dict[str, Any]] = [
        text_block(
            clip(f"{STATUS_MARK.get(event.status, '')} {event.status.upper()} {label}", MAX_FACT),
            weight="Bolder",
            color=STATUS_COLOR.get(event.status, "Default"),
        ),
        text_block(clip(teams_data(event.summary), MAX_TEXT)),
        {
            "type": "FactSet",
            "facts": [{"title": k, "value": clip(teams_data(v), MAX_FACT)} for k, v in facts if v],
        },
    ]
    if event.drifted_columns:
        lines = [f"- {teams_data(line)}" for line in drift_lines(event.drifted_columns)]
        items.append(
            text_block(fit_lines("**Top drifted columns**", lines, MAX_TEXT, MAX_DRIFT_LINES, "more columns"))
        )
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


def card(notification: Notification, shown: int) -> dict[str, Any]:
    """The message with the first ``shown`` events and a line for the others."""
    mark = "🧪 " if notification.test else ""
    body: list[dict[str, Any]] = [
        text_block(
            clip(mark + teams_data(title(notification)), MAX_FACT),
            size="Large",
            weight="Bolder",
            style="heading",
        )
    ]
    if notification.test:
        body.append(text_block(TEST_SUMMARY, color="Accent"))
    segments = segments_line(notification)
    if segments is not None:
        body.append(text_block(clip(teams_data(segments), MAX_TEXT), weight="Bolder"))
    body.extend(event_container(event) for event in notification.events[:shown])
    hidden = notification.events[shown:]
    if hidden:
        names = ", ".join(teams_data(alert_label(e)) for e in hidden)
        body.append(
            text_block(clip(f"{and_more(len(hidden), 'more alerts')}: {names}", MAX_TEXT), isSubtle=True)
        )
    content: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "msteams": {"width": "Full"},
    }
    urls = report_urls(notification.events)[:MAX_ACTIONS]
    if urls:
        content["actions"] = [
            {
                "type": "Action.OpenUrl",
                "title": "View report" if len(urls) == 1 else f"View report {i}",
                "url": url,
            }
            for i, url in enumerate(urls, start=1)
        ]
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": content}],
    }


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False).encode("utf-8")


def message_for(notification: Notification) -> bytes:
    """The largest card (most events, in order) that stays under ``MAX_BODY``."""
    events = len(notification.events)
    body = encode(card(notification, events))
    if len(body) <= MAX_BODY:
        return body
    # estimate from the sizes of the event containers, then correct downwards if needed
    base = len(encode(card(notification, 0)))
    sizes = [len(encode(event_container(event))) + 1 for event in notification.events]
    shown, total = 0, base
    while shown < events and total + sizes[shown] <= MAX_BODY:
        total += sizes[shown]
        shown += 1
    body = encode(card(notification, shown))
    while len(body) > MAX_BODY and shown > 0:
        shown -= 1
        body = encode(card(notification, shown))
    return body


class TeamsChannel(Channel):
    type = "msteams"
    groups = True

    def render(self, notification: Notification, now: datetime | None = None) -> tuple[bytes, dict[str, str]]:
        return message_for(notification), dict(JSON_HEADERS)
