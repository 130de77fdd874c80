"""Chat messages group a monitor's segments: one Slack message and one Teams card per run
name the segments that breached; a segment value from the data stays escaped text."""

from __future__ import annotations

import json

from monitor.alerts.channels.alertmanager import labels
from monitor.alerts.channels.msteams import message_for
from monitor.alerts.channels.slack import blocks_for, fallback_text
from monitor.alerts.channels.text import segments_line
from monitor.records.events import Notification
from monitor.records.segments import Segment
from tests.alerts.events import alert_event

HOSTILE = Segment(("country",), ("<!here> *DE*",))


def _notification() -> Notification:
    events = (
        alert_event(subject="country=FR", summary="churn [country=FR]: 2 of 3 columns drifted"),
        alert_event(rule="performance_drop", subject=HOSTILE.subject("accuracy"), summary="accuracy fell"),
        alert_event(rule="column_drift", subject="amount", summary="amount drifted"),  # the whole monitor
        alert_event(subject="country=IT", status="resolved", summary="IT is back"),
    )
    return Notification("d1", "team", "churn", events)


def test_the_line_names_the_breaching_segments_once() -> None:
    line = segments_line(_notification())
    assert line == f"Segments breaching: country=FR, {HOSTILE.text} (and the whole monitor)"
    assert "country=IT" not in (line or "")  # resolved: not breaching
    only_whole = Notification("d2", "team", "churn", (alert_event(subject="amount"),))
    assert segments_line(only_whole) is None


def test_slack_groups_segments_in_one_message_with_data_escaped() -> None:
    notification = _notification()
    blocks = blocks_for(notification)
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    (line,) = [t for t in texts if t.startswith("Segments breaching")]
    assert "country=FR" in line and "&lt;!here&gt;" in line and "<!here>" not in line
    assert "<!here>" not in json.dumps(blocks) and "<!here>" not in fallback_text(notification)
    assert fallback_text(notification).splitlines()[1].startswith("Segments breaching: country=FR")


def test_teams_card_names_the_segments() -> None:
    card = json.loads(message_for(_notification()))
    body = card["attachments"][0]["content"]["body"]
    (line,) = [b["text"] for b in body if b.get("type") == "TextBlock" and "Segments breaching" in b["text"]]
    assert "country=FR" in line and "&lt;!here&gt;" not in line  # Teams shows text, not Slack entities


def test_alertmanager_labels_carry_the_segment() -> None:
    assert labels(alert_event(subject="country=DE/amount"))["segment"] == "country=DE"
    assert "segment" not in labels(alert_event(subject="amount"))  # an empty label is none
