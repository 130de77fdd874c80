"""The alert lifecycle end to end: real SQLite log, the public Checker and Dispatcher, real receivers.

Every hour is a fresh Checker, store and Dispatcher built from the config file
on disk, as a `monitor check` (or a restarted daemon) would have: what the
receivers see over the hours is the whole contract of §4.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from monitor.alerts.dispatch import Dispatcher
from monitor.runner import Checker
from monitor.store import open_store
from tests.alerts.scenario import Receiver, at, clock_at, fast_retry, load, receiver, write_config, write_log

SECRET = "whsec_" + "c2VjcmV0LWtleS1mb3ItdGVzdHMtMTIzNDU2Nzg5MA=="
SLACK_PATH = "/services/T0AAA/B0BBB/slackTokenSecret42"


def check(config_path: Path, hour: int, budget: float = 5.0) -> None:
    """One `monitor check --at <hour>` in process: evaluate, record, deliver."""
    config = load(config_path)
    store = open_store(config.store)
    try:
        clock = clock_at(hour)
        Checker(config, store, clock=clock).run(None, at(hour))
        Dispatcher(config, store).drain(budget)
    finally:
        store.close()


def verified(request: Any) -> dict[str, Any]:
    """The body, after checking the signature as a Standard Webhooks receiver does."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    payload: dict[str, Any] = Webhook(SECRET).verify(request.body, headers)
    return payload


def rules(**options: Any) -> list[dict[str, Any]]:
    return [
        {
            "rule": "missing_values",
            "columns": ["x"],
            "max_share": 0.1,
            "channels": ["hook", "slack"],
            **options,
        },
        {
            "rule": "missing_values",
            "columns": ["y"],
            "max_share": 0.1,
            "channels": ["hook", "slack"],
            **options,
        },
    ]


@pytest.fixture
def receivers() -> Any:
    with receiver(default=(204, "", {})) as hook, receiver(default=(200, "ok", {})) as slack:
        yield hook, slack


def setup(tmp_path: Path, hook: Receiver, slack: Receiver, breaching: set[int], **options: Any) -> Path:
    write_log(tmp_path / "log.db", breaching)
    channels = {
        "hook": {"type": "webhook", "url": hook.url + "/hook", "secret": SECRET, **fast_retry()},
        "slack": {"type": "slack", "url": slack.url + SLACK_PATH, **fast_retry()},
    }
    return write_config(tmp_path, channels, rules(**options))


def test_pending_firing_repeat_resolved_over_the_hours(tmp_path: Path, receivers: Any) -> None:
    hook, slack = receivers
    # hour: 1 clear, 2 breach (pending), 3-7 breach (fires at 3, repeats at 6), 8-9 clear (resolves at 8)
    config = setup(tmp_path, hook, slack, breaching={2, 3, 4, 5, 6, 7}, **{"for": 2, "repeat_interval": "3h"})
    seen: dict[int, list[tuple[str, str]]] = {}
    for hour in range(1, 10):
        before = len(hook.received)
        check(config, hour)
        seen[hour] = sorted(
            (body["status"], body["subject"]) for body in map(verified, hook.received[before:])
        )
    both_firing = [("firing", "x"), ("firing", "y")]
    assert seen == {
        1: [],
        2: [],  # pending: for 2 runs
        3: both_firing,
        4: [],
        5: [],
        6: both_firing,  # repeat_interval 3h after hour 3
        7: [],
        8: [("resolved", "x"), ("resolved", "y")],
        9: [],
    }
    assert all(r.answered == 204 for r in hook.received)
    ids = [r.headers["webhook-id"] for r in hook.received]
    assert len(set(ids)) == len(ids) == 6  # one delivery id per notification, none sent twice
    # the Slack channel groups: one message per run for both alerts that changed
    slack_texts = [r.json()["text"] for r in slack.received]
    assert len(slack_texts) == 3
    assert "2 alerts firing" in slack_texts[0] and "2 alerts firing" in slack_texts[1]
    assert "2 resolved" in slack_texts[2]
    assert all(r.path == SLACK_PATH for r in slack.received)


def test_a_rerun_or_reload_sends_nothing_already_delivered(tmp_path: Path, receivers: Any) -> None:
    hook, slack = receivers
    config = setup(tmp_path, hook, slack, breaching={1, 2, 3})
    check(config, 1)
    assert len(hook.received) == 2 and len(slack.received) == 1
    # a reload: the same alerts with new settings (a longer repeat, a new channel order)
    reloaded = write_config(
        tmp_path,
        {
            "slack": {"type": "slack", "url": slack.url + SLACK_PATH, **fast_retry()},
            "hook": {"type": "webhook", "url": hook.url + "/hook", "secret": SECRET, **fast_retry()},
        },
        rules(repeat_interval="12h", severity="critical"),
    )
    check(reloaded, 2)
    check(reloaded, 2)  # the same window again (a restarted daemon catching up)
    check(reloaded, 3)
    assert len(hook.received) == 2 and len(slack.received) == 1


def test_send_resolved_false_and_a_new_breach_fires_again(tmp_path: Path, receivers: Any) -> None:
    hook, slack = receivers
    config = setup(tmp_path, hook, slack, breaching={1, 3}, send_resolved=False)
    for hour in (1, 2, 3):
        check(config, hour)
    statuses = [verified(r)["status"] for r in hook.received]
    assert statuses == ["firing", "firing", "firing", "firing"]  # x and y, twice; no resolved
    started = sorted({verified(r)["started_at"] for r in hook.received})
    assert len(started) == 2  # the second firing is a new episode


def test_later_message_never_overtakes_an_earlier_one_of_the_same_alert(tmp_path: Path) -> None:
    # the receiver fails the first firing twice; the resolved of the next hour must still come after it
    with receiver(script=[(503, "busy", {}), (503, "busy", {})], default=(204, "", {})) as hook:
        write_log(tmp_path / "log.db", {1})
        channels = {"hook": {"type": "webhook", "url": hook.url + "/hook", "secret": SECRET, **fast_retry()}}
        config = write_config(
            tmp_path, channels, [{"rule": "missing_values", "columns": ["x"], "channels": ["hook"]}]
        )
        check(config, 1, budget=0)  # one attempt, answered 503: left in the outbox
        assert [r.answered for r in hook.received] == [503]
        check(config, 2)
        accepted = [verified(r) for r in hook.received if r.answered == 204]
        assert [body["status"] for body in accepted] == ["firing", "resolved"]
        firing_ids = {r.headers["webhook-id"] for r in hook.received if verified(r)["status"] == "firing"}
        assert len(firing_ids) == 1  # every retry of the firing carried the same webhook-id
