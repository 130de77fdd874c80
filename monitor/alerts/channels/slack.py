"""Slack incoming webhook: a Block Kit message with a plain ``text`` fallback, grouped per monitor.

Slack rejects a whole message when one block breaks a limit, so every piece is cut
to Slack's documented limits here and long lists end in "…and N more": a
500-column drift or a 200-alert run still arrives, shortened.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from monitor.alerts.channels.base import JSON_HEADERS, Channel
from monitor.alerts.channels.markup import slack_data
from monitor.alerts.channels.text import (
    ELLIPSIS,
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
from monitor.alerts.retry import DeliveryResult, answer_text
from monitor.records.events import AlertEvent, Notification

# Block Kit limits (api.slack.com/reference/block-kit)
MAX_BLOCKS = 50
HEADER_TEXT = 150
SECTION_TEXT = 3000
MAX_FIELDS = 10
FIELD_TEXT = 2000
BUTTON_TEXT = 75
BUTTON_URL = 3000
MAX_BUTTONS = 5  # an actions block allows 25; more report links than this help nobody
FALLBACK_TEXT = 3000  # Slack truncates `text` at 40,000; a notification line needs far less
MAX_DRIFT_LINES = 10
MAX_FALLBACK_EVENTS = 20

STATUS_MARK = {"firing": "🔴", "resolved": "✅"}
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,4}…$")


def mrkdwn(text: str, limit: int) -> dict[str, Any]:
    """A mrkdwn text object of at most ``limit`` characters; data in ``text`` is already escaped
    (``slack_data``). ``verbatim``: Slack links no URL, channel or mention name by itself."""
    clipped = _PARTIAL_ENTITY.sub(ELLIPSIS, clip(text, limit))  # never leave half of "&amp;"
    return {"type": "mrkdwn", "text": clipped, "verbatim": True}


def event_blocks(event: AlertEvent) -> list[dict[str, Any]]:
    """A section with the alert's facts, and one with its top drifted columns."""
    facts = event_facts(event, value_label="Value vs threshold")
    fields = [mrkdwn(f"*{name}*\n{slack_data(value)}", FIELD_TEXT) for name, value in facts if value]
    label = slack_data(alert_label(event))
    headline = f"{STATUS_MARK.get(event.status, '')} *{event.status.upper()}* {label}"
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": mrkdwn(f"{headline}\n{slack_data(event.summary)}", SECTION_TEXT),
            "fields": fields[:MAX_FIELDS],
        }
    ]
    if event.drifted_columns:
        lines = [slack_data(line) for line in drift_lines(event.drifted_columns)]
        text = fit_lines("*Top drifted columns*", lines, SECTION_TEXT, MAX_DRIFT_LINES, "more columns")
        blocks.append({"type": "section", "text": mrkdwn(text, SECTION_TEXT)})
    return blocks


def report_buttons(urls: Sequence[str]) -> dict[str, Any] | None:
    usable = [url for url in urls if len(url) <= BUTTON_URL][:MAX_BUTTONS]
    if not usable:
        return None
    buttons = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": clip(_button_label(i, len(usable)), BUTTON_TEXT)},
            "url": url,
            "action_id": f"report-{i}",
        }
        for i, url in enumerate(usable, start=1)
    ]
    return {"type": "actions", "elements": buttons}


def _button_label(index: int, count: int) -> str:
    return "View report" if count == 1 else f"View report {index}"


def blocks_for(notification: Notification) -> list[dict[str, Any]]:
    mark = (
        "🧪 "
        if notification.test
        else STATUS_MARK["firing" if _any_firing(notification) else "resolved"] + " "
    )
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": clip(mark + title(notification), HEADER_TEXT)},
        }
    ]
    if notification.test:
        note = "*This is a test message* sent by `monitor alerts test`. No alert is firing."
        blocks.append({"type": "section", "text": mrkdwn(note, SECTION_TEXT)})
    segments = segments_line(notification)
    if segments is not None:  # segment values are data: escaped like every other
        blocks.append({"type": "section", "text": mrkdwn(slack_data(segments), SECTION_TEXT)})
    actions = report_buttons(report_urls(notification.events))
    room = MAX_BLOCKS - len(blocks) - (1 if actions else 0)
    per_event = [event_blocks(event) for event in notification.events]
    # a divider goes between events; reserve one block for "…and N more" only when not all fit
    needed = sum(len(b) for b in per_event) + max(0, len(per_event) - 1)
    budget = room if needed <= room else room - 1
    shown = 0
    for index, group in enumerate(per_event):
        cost = len(group) + (1 if index else 0)
        if cost > budget:
            break
        if index:
            blocks.append({"type": "divider"})
        blocks.extend(group)
        budget -= cost
        shown += 1
    hidden = notification.events[shown:]
    if hidden:
        names = ", ".join(slack_data(alert_label(e)) for e in hidden)
        blocks.append(
            {
                "type": "section",
                "text": mrkdwn(f"{and_more(len(hidden), 'more alerts')}: {names}", SECTION_TEXT),
            }
        )
    if actions:
        blocks.append(actions)
    return blocks


def fallback_text(notification: Notification) -> str:
    """The notification line and the text of clients that cannot show blocks."""
    head = ("[TEST] " if notification.test else "") + slack_data(title(notification))
    segments = segments_line(notification)
    if segments is not None:
        head += "\n" + slack_data(segments)
    lines = [
        f"{e.status.upper()} {slack_data(alert_label(e))}: {slack_data(e.summary)}"
        for e in notification.events
    ]
    if len(lines) > MAX_FALLBACK_EVENTS:
        lines = [*lines[:MAX_FALLBACK_EVENTS], and_more(len(lines) - MAX_FALLBACK_EVENTS, "more alerts")]
    text = clip("\n".join([head, *lines]), FALLBACK_TEXT)
    return _PARTIAL_ENTITY.sub(ELLIPSIS, text)


def _any_firing(notification: Notification) -> bool:
    return any(e.status == "firing" for e in notification.events)


class SlackChannel(Channel):
    type = "slack"
    groups = True

    def render(self, notification: Notification, now: datetime | None = None) -> tuple[bytes, dict[str, str]]:
        payload = {"text": fallback_text(notification), "blocks": blocks_for(notification)}
        return json.dumps(payload, ensure_ascii=False).encode("utf-8"), dict(JSON_HEADERS)

    def interpret(self, status: int, body: str, headers: Mapping[str, str], now: datetime) -> DeliveryResult:
        """Slack's success is 200 with the body ``ok``; its errors name the reason in the body."""
        if status == 200 and body.strip() == "ok":
            return DeliveryResult(ok=True, retry=False, status=status, answer=answer_text(status, "ok"))
        if 200 <= status <= 299:
            # not Slack's answer (a proxy page?): the message may or may not be posted
            reason = f"expected 'ok', got {body!r}"
            return DeliveryResult(ok=False, retry=False, status=status, answer=answer_text(status, reason))
        return super().interpret(status, body, headers, now)
